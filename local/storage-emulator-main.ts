/**
 * The Cloud Storage emulator's process: the GCS JSON API of the storage
 * emulator inside firebase-tools, served on 127.0.0.1 without the
 * firebase CLI. Its GCS routes never consult security rules, so the
 * rules runtime (a Java program the CLI would download) is never started.
 * These are firebase-tools internals: the version is pinned exactly and
 * test/e2e/storage-emulator.test.ts fails loudly if they change.
 *
 * Usage: storage-emulator-main.js --port N [--import DIR] [--export DIR]
 * With --export, the buckets are written to DIR when SIGTERM stops it.
 * It listens with process.on, not once: a dependency's exit hook kills
 * the process at once when it sees no other SIGTERM listener left.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface StorageLayer {
  import(dir: string, options: { initiatedBy: string }): void;
  export(dir: string, options: { initiatedBy: string }): Promise<void>;
}
interface StorageEmulatorInstance {
  storageLayer: StorageLayer;
}
type StorageEmulatorClass = new (args: {
  projectId: string;
  host: string;
  port: number;
  rules: unknown[];
  auto_download: boolean;
}) => StorageEmulatorInstance;
/**
 * Buckets are not per project in the JSON API; the emulator's own project
 * is a demo- one so that it never asks a Firebase API for its defaults.
 */
const PROJECT_ID = 'demo-tes-storage';

type CreateApp = (
  projectId: string,
  emulator: StorageEmulatorInstance,
) => Promise<{ listen(port: number, host: string): Server }>;

interface Registry {
  set(name: string, instance: StorageEmulatorInstance): void;
}

const internals = (name: string) =>
  require(path.join('firebase-tools', 'lib', 'emulator', name));

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      import: { type: 'string' },
      export: { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port <= 0) {
    throw new Error('usage: storage-emulator-main.js --port N');
  }

  const { StorageEmulator } = internals('storage/index') as {
    StorageEmulator: StorageEmulatorClass;
  };
  const { createApp } = internals('storage/server') as {
    createApp: CreateApp;
  };
  const { EmulatorRegistry } = internals('registry') as {
    EmulatorRegistry: Registry;
  };
  const emulator = new StorageEmulator({
    projectId: PROJECT_ID,
    host: '127.0.0.1',
    port,
    rules: [],
    auto_download: false,
  });
  // Object metadata builds its links from the registered emulator's
  // address; registering does not start anything.
  EmulatorRegistry.set('storage', emulator);
  const from = values.import;
  if (from && existsSync(path.join(from, 'buckets.json'))) {
    emulator.storageLayer.import(from, { initiatedBy: 'tes-local' });
  }

  const app = await createApp(PROJECT_ID, emulator);
  const server = app.listen(port, '127.0.0.1');
  server.once('listening', () => console.log(`listening on 127.0.0.1:${port}`));

  // Saved whole into a fresh folder, then swapped in: objects deleted
  // since the last save do not come back.
  process.on('SIGTERM', async () => {
    const dir = values.export;
    try {
      if (dir) {
        const fresh = `${dir}.new`;
        rmSync(fresh, { recursive: true, force: true });
        mkdirSync(fresh, { recursive: true });
        await emulator.storageLayer.export(fresh, { initiatedBy: 'tes-local' });
        rmSync(dir, { recursive: true, force: true });
        renameSync(fresh, dir);
      }
    } catch (error) {
      console.error('saving the buckets failed', error);
    } finally {
      server.close();
      process.exit(0);
    }
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
