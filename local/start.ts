/**
 * Local mode: the whole service on one machine. Starts the Firestore,
 * Pub/Sub and Cloud Storage emulators (unless it is given running ones),
 * the trigger
 * gateway, and every function; wires topics, subscriptions and triggers
 * from the manifest; prints the API's URL; and stops all of it on Ctrl-C.
 *
 * Environment:
 * - TES_API_PORT: the API's port (default 8000; 0 picks a free one).
 * - TES_PROJECT: the emulator project (default demo-tes).
 * - FIRESTORE_EMULATOR_HOST, PUBSUB_EMULATOR_HOST, STORAGE_EMULATOR_HOST
 *   and TES_TRIGGER_GATEWAY together: use these running emulators instead
 *   of starting them.
 * - TES_DATA_DIR: where tasks are kept between runs (default .tes-local/).
 * - TES_FREE_PORTS=1: start the emulators on free ports instead of those in
 *   firebase.json, to run several stacks side by side.
 */
import path from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import { createLogger } from '../shared/logger';
import { whenParentGone } from '../shared/parent-watch';
import { TOPICS } from '../shared/topology';
import { type Backends, startBackends } from './backends';
import { closeServer, serveFunctions } from './serve';
import { unwireTriggers, wire } from './wiring';

const logger = createLogger('local', 'local');

/**
 * How often local mode saves its tasks to TES_DATA_DIR: what a hard kill
 * of the emulators can lose at most.
 */
const SAVE_INTERVAL_MS = 15_000;

function runningBackends(): Backends | undefined {
  const {
    FIRESTORE_EMULATOR_HOST,
    PUBSUB_EMULATOR_HOST,
    STORAGE_EMULATOR_HOST,
    TES_TRIGGER_GATEWAY,
  } = process.env;
  if (
    !FIRESTORE_EMULATOR_HOST ||
    !PUBSUB_EMULATOR_HOST ||
    !STORAGE_EMULATOR_HOST ||
    !TES_TRIGGER_GATEWAY
  ) {
    return undefined;
  }
  return {
    firestoreHost: FIRESTORE_EMULATOR_HOST,
    pubsubHost: PUBSUB_EMULATOR_HOST,
    storageHost: STORAGE_EMULATOR_HOST,
    gatewayUrl: TES_TRIGGER_GATEWAY,
    save: async () => {},
    stop: async () => {},
  };
}

/**
 * Local mode's stand-in for the Cloud Scheduler job: a tick on
 * tes-maintenance every TES_MAINTENANCE_SECONDS (default 30).
 */
function startMaintenanceTicks(projectId: string): NodeJS.Timeout {
  const seconds = Number(process.env.TES_MAINTENANCE_SECONDS ?? 30);
  const topic = new PubSub({ projectId }).topic(TOPICS.maintenance);
  const tick = () =>
    topic
      .publishMessage({ json: { time: new Date().toISOString() } })
      .catch((error) =>
        logger.warn('maintenance tick failed', { error: String(error) }),
      );
  const timer = setInterval(tick, seconds * 1000);
  timer.unref();
  return timer;
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

  const backends =
    runningBackends() ??
    (await startBackends({
      dataDir,
      persist: true,
      anyPorts: process.env.TES_FREE_PORTS === '1',
      logger,
    }));
  process.env.FIRESTORE_EMULATOR_HOST = backends.firestoreHost;
  process.env.PUBSUB_EMULATOR_HOST = backends.pubsubHost;
  process.env.STORAGE_EMULATOR_HOST = backends.storageHost;
  process.env.TES_TRIGGER_GATEWAY = backends.gatewayUrl;
  // Stopped before it is ready: the emulators it started go too.
  const stopEarly = () => {
    backends.stop().finally(() => process.exit(1));
  };
  process.once('SIGINT', stopEarly);
  process.once('SIGTERM', stopEarly);

  // Loaded only now: the functions read the emulator hosts when loaded.
  const functions = require('../functions') as typeof import('../functions');
  const served = await serveFunctions(Number(process.env.TES_API_PORT ?? 8000));
  // Workers refuse inputs from the service's own addresses.
  process.env.TES_FUNCTION_URLS = served.map((s) => s.url).join(',');
  const targets = {
    projectId: process.env.TES_PROJECT,
    functionUrls: new Map(served.map((s) => [s.name, s.url])),
    firestoreHost: backends.firestoreHost,
    gatewayUrl: backends.gatewayUrl,
  };
  await wire(targets);

  const projectId = process.env.TES_PROJECT;
  // One save at a time: the one at stop waits for a timed one under way,
  // which would otherwise write into the same folder at the same time.
  let saving = Promise.resolve();
  const save = () => {
    saving = saving.then(() =>
      backends.save(projectId).catch((error) => {
        logger.warn('saving tasks failed', { error: String(error) });
      }),
    );
    return saving;
  };
  // Saved now and then too, so that a hard kill loses little.
  const saver = setInterval(save, SAVE_INTERVAL_MS);
  saver.unref();
  const ticker = startMaintenanceTicks(projectId);

  const api = served.find(
    (s) => s.name === 'tes-api',
  ) as (typeof served)[number];
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping');
    // The API first, and its requests under way answered: a task accepted
    // now is in the save below.
    await closeServer(api.server);
    await unwireTriggers(targets).catch(() => undefined);
    clearInterval(saver);
    clearInterval(ticker);
    await functions.stopWorkers();
    await save();
    for (const s of served) s.server.closeAllConnections();
    await Promise.all(served.map((s) => new Promise((r) => s.server.close(r))));
    await backends.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.off('SIGINT', stopEarly);
  process.off('SIGTERM', stopEarly);
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  // Whoever started the stack (npm, a test run) killed outright: an
  // orphaned stack would keep its ports and workers.
  whenParentGone(() => {
    shutdown().catch(() => process.exit(1));
  });

  console.log(
    `Cloud Storage emulator at ${backends.storageHost} (set STORAGE_EMULATOR_HOST to it)`,
  );
  // The one line scripts and tests wait for.
  console.log(`TES API ready at ${api.url}/ga4gh/tes/v1`);
}

main().catch((error) => {
  console.error(
    `local stack failed to start: ${error instanceof Error ? error.message : error}`,
  );
  process.exit(1);
});
