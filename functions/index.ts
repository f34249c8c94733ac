/**
 * The entry point of the deployed source: registers every function of the
 * manifest with the Functions Framework under its manifest name. Each
 * deployment picks one by name (its entry point); locally all are served
 * side by side. Functions never call each other: each is reached only
 * through its trigger.
 */

import type { Firestore } from '@google-cloud/firestore';
import * as ff from '@google-cloud/functions-framework';
import {
  createFirestore,
  createPublisher,
  type PubSubPublisher,
} from '../shared/cloud';
import {
  type Config,
  loadConfig,
  loadWorkerVmConfig,
  type WorkerVmConfig,
} from '../shared/config';
import { withRetryPolicy } from '../shared/event-handler';
import { createLogger } from '../shared/logger';
import { functionSpec } from '../shared/topology';
import { createApiHandler } from './api/handler';
import { localIdentity } from './api/identity';
import { TaskStore } from './api/task-store';
import { createAssignmentHandler } from './assignment/handler';
import { createIngestionHandler } from './event-ingestion/handler';
import { installFrameworkEdges } from './framework-edges';
import { createMaintenanceHandler } from './maintenance/handler';
import { createStateTransitionHandler } from './state-transition/handler';
import type { ComputeDriver } from './worker-launch/compute-driver';
import { createComputeEngineApi } from './worker-launch/compute-engine-api';
import { ComputeEngineDriver } from './worker-launch/compute-engine-driver';
import { createWorkerLaunchHandler } from './worker-launch/handler';
import { LocalProcessDriver } from './worker-launch/local-process-driver';

// Before the framework builds its server: see framework-edges.ts.
installFrameworkEdges();

const config: Config = loadConfig();
const db: Firestore = createFirestore(config);
const publisher: PubSubPublisher = createPublisher(config);

// Checked at start, so that a deployment missing a worker VM setting
// fails at once instead of at its first launch.
const workerVm: WorkerVmConfig | undefined =
  config.computeDriver === 'compute-engine' ? loadWorkerVmConfig() : undefined;

function logger(name: string) {
  return createLogger(functionSpec(name).name, config.mode, config.projectId);
}

function createComputeDriver(): ComputeDriver {
  if (!workerVm) {
    return new LocalProcessDriver(
      config,
      publisher,
      logger('tes-worker-launch'),
    );
  }
  return new ComputeEngineDriver({
    api: createComputeEngineApi(),
    projectId: config.projectId,
    zones: config.defaultZones,
    vm: workerVm,
    heartbeatSeconds: config.heartbeatSeconds,
    logger: logger('tes-worker-launch'),
  });
}

// Created on first use, so that only tes-worker-launch depends on it.
let computeDriver: ComputeDriver | undefined;
const driver: ComputeDriver = {
  launch: (spec) => {
    computeDriver ??= createComputeDriver();
    return computeDriver.launch(spec);
  },
  teardown: (taskId, attempt) => {
    computeDriver ??= createComputeDriver();
    return computeDriver.teardown(taskId, attempt);
  },
};

/** Stops every local worker process (when the local stack stops). */
export async function stopWorkers(): Promise<void> {
  if (computeDriver instanceof LocalProcessDriver) {
    await computeDriver.stopAll();
  }
}

ff.http(
  'tes-api',
  createApiHandler({
    config,
    store: new TaskStore(db),
    identity: localIdentity,
    logger: logger('tes-api'),
  }),
);

ff.cloudEvent(
  'tes-state-transition',
  withRetryPolicy(
    logger('tes-state-transition'),
    createStateTransitionHandler({
      publisher,
      logger: logger('tes-state-transition'),
    }),
  ),
);

ff.cloudEvent(
  'tes-assignment',
  withRetryPolicy(
    logger('tes-assignment'),
    createAssignmentHandler({
      db,
      publisher,
      logger: logger('tes-assignment'),
      defaultZones: config.defaultZones,
    }),
  ),
);

ff.cloudEvent(
  'tes-worker-launch',
  withRetryPolicy(
    logger('tes-worker-launch'),
    createWorkerLaunchHandler({
      db,
      publisher,
      driver,
      logger: logger('tes-worker-launch'),
    }),
  ),
);

ff.cloudEvent(
  'tes-event-ingestion',
  withRetryPolicy(
    logger('tes-event-ingestion'),
    createIngestionHandler({
      db,
      logger: logger('tes-event-ingestion'),
      maxAttempts: config.reliability.maxAttempts,
    }),
  ),
);

ff.cloudEvent(
  'tes-maintenance',
  withRetryPolicy(
    logger('tes-maintenance'),
    createMaintenanceHandler({
      db,
      publisher,
      logger: logger('tes-maintenance'),
      policy: config.reliability,
    }),
  ),
);
