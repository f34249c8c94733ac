/**
 * The test runner behind `npm test`: starts one set of emulators and a
 * trigger gateway on free ports, runs every compiled test file with the
 * Node test runner against them, and stops them. End-to-end tests start
 * their own stacks on these backends, each in a project of its own.
 * Everything a run writes is under one temporary folder, removed at the
 * end.
 *
 * Arguments, when given, are substrings that select test files.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBackends } from '../local/backends';
import { createLogger } from '../shared/logger';

function testFiles(filters: string[]): string[] {
  const dir = __dirname;
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.js'))
    .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
    .sort()
    .map((f) => path.join(dir, f));
}

async function main(): Promise<number> {
  const files = testFiles(process.argv.slice(2));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tes-test-'));
  // The tests' own temporary folders go here too, and go with it.
  const tmpDir = path.join(dataDir, 'tmp');
  mkdirSync(tmpDir);
  const logger = createLogger('test-backends', 'local');
  const backends = await startBackends({
    dataDir,
    persist: false,
    anyPorts: true,
    logger,
  });

  try {
    // Asynchronous: the trigger gateway in this process must keep serving.
    const child = spawn(
      process.execPath,
      ['--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
      {
        stdio: 'inherit',
        env: {
          ...process.env,
          METADATA_SERVER_DETECTION: 'none',
          FIRESTORE_EMULATOR_HOST: backends.firestoreHost,
          PUBSUB_EMULATOR_HOST: backends.pubsubHost,
          STORAGE_EMULATOR_HOST: backends.storageHost,
          TES_TRIGGER_GATEWAY: backends.gatewayUrl,
          TES_TEST_DATA_DIR: dataDir,
          TMPDIR: tmpDir,
        },
      },
    );
    const [code] = (await once(child, 'exit')) as [number | null];
    return code ?? 1;
  } finally {
    await backends.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
