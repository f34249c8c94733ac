/**
 * The local stand-ins for Google Cloud's managed services: the Firestore,
 * Pub/Sub and Cloud Storage emulators, and the trigger gateway that plays
 * Eventarc.
 * Started once, they can serve several stacks, each in its own project.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../shared/logger';
import {
  type Emulator,
  startFirestore,
  startPubSub,
  startStorage,
} from './emulators';
import { exportFirestore, latestExport } from './persistence';
import { declaredPorts, portOrFree } from './ports';
import { TriggerGateway } from './trigger-gateway';

/** Running backends, and how to reach them. */
export interface Backends {
  firestoreHost: string;
  pubsubHost: string;
  /** With its scheme, as STORAGE_EMULATOR_HOST takes it. */
  storageHost: string;
  gatewayUrl: string;
  /** Saves a project's tasks for the next run (when persisting). */
  save: (projectId: string) => Promise<void>;
  stop: () => Promise<void>;
}

/** How to start the backends. */
export interface BackendOptions {
  /** Emulator logs go to `dataDir/logs`. */
  dataDir: string;
  /**
   * Load Firestore's data from `dataDir/firestore`, and the buckets from
   * `dataDir/storage`; save() writes the tasks, stop() the buckets.
   */
  persist: boolean;
  /** Use free ports instead of those firebase.json declares. */
  anyPorts: boolean;
  logger: Logger;
}

/** Starts the gateway, then the emulators side by side. */
export async function startBackends(
  options: BackendOptions,
): Promise<Backends> {
  const declared = declaredPorts();
  const port = (p: number) => portOrFree(options.anyPorts ? 0 : p);
  const logDir = path.join(options.dataDir, 'logs');
  const exportDir = path.join(options.dataDir, 'firestore');
  mkdirSync(logDir, { recursive: true });

  const gateway = new TriggerGateway(options.logger);
  const gatewayHost = await gateway.listen(await port(declared.functions));
  const started: Emulator[] = [];
  const stop = async () => {
    await Promise.all(started.map((e) => e.stop()));
    await gateway.close();
  };
  const track = (emulator: Emulator) => {
    started.push(emulator);
    return emulator;
  };

  try {
    const [firestore, pubsub, storage] = await Promise.all([
      startFirestore({
        port: await port(declared.firestore),
        triggerEndpoint: gatewayHost,
        logDir,
        importFrom: options.persist ? latestExport(exportDir) : undefined,
      }).then(track),
      startPubSub(await port(declared.pubsub), logDir).then(track),
      startStorage({
        port: await port(declared.storage),
        logDir,
        workDir: path.join(options.dataDir, 'storage-emulator'),
        persistDir: options.persist
          ? path.join(options.dataDir, 'storage')
          : undefined,
      }).then(track),
    ]);
    return {
      firestoreHost: firestore.host,
      pubsubHost: pubsub.host,
      storageHost: storage.host,
      gatewayUrl: `http://${gatewayHost}`,
      save: async (projectId) => {
        if (options.persist) {
          await exportFirestore(firestore.host, projectId, exportDir);
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
