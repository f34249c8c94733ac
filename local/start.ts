/**
 * Local mode: the whole service on one machine. Starts the Firestore and
 * Pub/Sub emulators (unless it is given running ones), the trigger
 * gateway, and every function; wires topics, subscriptions and triggers
 * from the manifest; prints the API's URL; and stops all of it on Ctrl-C.
 *
 * Environment:
 * - TES_API_PORT: the API's port (default 8000; 0 picks a free one).
 * - TES_PROJECT: the emulator project (default demo-tes).
 * - FIRESTORE_EMULATOR_HOST, PUBSUB_EMULATOR_HOST and TES_TRIGGER_GATEWAY
 *   together: use these running emulators instead of starting them.
 * - TES_DATA_DIR: where tasks are kept between runs (default .tes-local/).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createLogger } from '../shared/logger';
import { type Emulator, startFirestore, startPubSub } from './emulators';
import { declaredPorts, portOrFree } from './ports';
import { serveFunctions } from './serve';
import { TriggerGateway } from './trigger-gateway';
import { unwireTriggers, wire } from './wiring';

const logger = createLogger('local', 'local');

/** The emulators and gateway this process started, if any. */
interface Backends {
  gatewayUrl: string;
  stop: () => Promise<void>;
}

async function startBackends(dataDir: string): Promise<Backends> {
  const ports = declaredPorts();
  const logDir = path.join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });

  const gateway = new TriggerGateway(logger);
  const gatewayHost = await gateway.listen(await portOrFree(ports.functions));
  const started: Emulator[] = [];
  const stop = async () => {
    await Promise.all(started.map((e) => e.stop()));
    await gateway.close();
  };

  try {
    const track = (emulator: Emulator) => {
      started.push(emulator);
      return emulator;
    };
    const [firestore, pubsub] = await Promise.all([
      startFirestore({
        port: await portOrFree(ports.firestore),
        triggerEndpoint: gatewayHost,
        logDir,
        dataDir: path.join(dataDir, 'firestore'),
      }).then(track),
      startPubSub(await portOrFree(ports.pubsub), logDir).then(track),
    ]);
    process.env.FIRESTORE_EMULATOR_HOST = firestore.host;
    process.env.PUBSUB_EMULATOR_HOST = pubsub.host;
  } catch (error) {
    await stop();
    throw error;
  }
  logger.info('emulators started', {
    firestore: process.env.FIRESTORE_EMULATOR_HOST,
    pubsub: process.env.PUBSUB_EMULATOR_HOST,
    gateway: gatewayHost,
  });
  return { gatewayUrl: `http://${gatewayHost}`, stop };
}

function useRunningBackends(): Backends | undefined {
  const { FIRESTORE_EMULATOR_HOST, PUBSUB_EMULATOR_HOST, TES_TRIGGER_GATEWAY } =
    process.env;
  if (
    !FIRESTORE_EMULATOR_HOST ||
    !PUBSUB_EMULATOR_HOST ||
    !TES_TRIGGER_GATEWAY
  ) {
    return undefined;
  }
  return { gatewayUrl: TES_TRIGGER_GATEWAY, stop: async () => {} };
}

async function main(): Promise<void> {
  // Nothing local may ever look for a metadata server.
  process.env.METADATA_SERVER_DETECTION = 'none';
  process.env.TES_MODE = 'local';
  process.env.TES_PROJECT ??= 'demo-tes';
  const root = path.join(__dirname, '..', '..');
  const dataDir = path.resolve(
    process.env.TES_DATA_DIR ?? path.join(root, '.tes-local'),
  );
  process.env.TES_WORK_DIR ??= path.join(dataDir, 'work');

  const backends = useRunningBackends() ?? (await startBackends(dataDir));

  // Loaded only now: the functions read the emulator hosts when loaded.
  const functions = require('../functions') as typeof import('../functions');
  const served = await serveFunctions(Number(process.env.TES_API_PORT ?? 8000));
  const targets = {
    projectId: process.env.TES_PROJECT,
    functionUrls: new Map(served.map((s) => [s.name, s.url])),
    firestoreHost: process.env.FIRESTORE_EMULATOR_HOST as string,
    gatewayUrl: backends.gatewayUrl,
  };
  await wire(targets);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping');
    await unwireTriggers(targets).catch(() => undefined);
    await functions.stopWorkers();
    for (const s of served) s.server.closeAllConnections();
    await Promise.all(served.map((s) => new Promise((r) => s.server.close(r))));
    await backends.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  const api = served.find(
    (s) => s.name === 'tes-api',
  ) as (typeof served)[number];
  // The one line scripts and tests wait for.
  console.log(`TES API ready at ${api.url}/ga4gh/tes/v1`);
}

main().catch((error) => {
  console.error(
    `local stack failed to start: ${error instanceof Error ? error.message : error}`,
  );
  process.exit(1);
});
