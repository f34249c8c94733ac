/**
 * The Compute Engine driver wired to the stand-in of the Compute Engine
 * REST API (fake-compute-server.ts), for the driver's tests. The real
 * client from @google-cloud/compute makes every call: it is pointed at
 * the stand-in on 127.0.0.1 over plain HTTP and given credentials that add
 * nothing and fetch nothing, so no request can leave this machine.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach } from 'node:test';
import { googleAuthLibrary } from 'google-gax';
import winston from 'winston';
import type { WorkerSpec } from '../../functions/worker-launch/compute-driver';
import { createComputeEngineApi } from '../../functions/worker-launch/compute-engine-api';
import { ComputeEngineDriver } from '../../functions/worker-launch/compute-engine-driver';
import type { WorkerVmConfig } from '../../shared/config';
import { chooseMachine } from '../../shared/machines';
import type { TesResources } from '../../shared/tes';
import { FakeComputeServer, type ReceivedRequest } from './fake-compute-server';

/** The project the tests' VMs belong to. */
export const PROJECT = 'demo-tes';
/** The deployment's zones, in the order they are tried. */
export const ZONES = ['us-central1-a', 'us-central1-b', 'us-central1-c'];
/** The task every launch is for. */
export const TASK_ID = '6f1c2a9e-4b7d-4e21-9c3a-0d5e8f7a6b21';
/** The worker VM settings. */
export const VM: WorkerVmConfig = {
  serviceAccount: `tes-worker@${PROJECT}.iam.gserviceaccount.com`,
  image: `us-central1-docker.pkg.dev/${PROJECT}/tes/worker:test`,
  bootImage: 'projects/cos-cloud/global/images/family/cos-stable',
  externalIp: true,
};

/** A JSON object as the stand-in received it. */
export type Json = Record<string, unknown>;

/** A driver talking to the stand-in on `port`. */
export function createDriver(
  port: number,
  operationTimeoutMs?: number,
): ComputeEngineDriver {
  const api = createComputeEngineApi({
    fallback: true,
    apiEndpoint: '127.0.0.1',
    port,
    protocol: 'http',
    // Adds no credentials, and so never asks a token endpoint or the
    // metadata server for any.
    authClient: new googleAuthLibrary.PassThroughClient(),
  });
  return new ComputeEngineDriver({
    api,
    projectId: PROJECT,
    zones: ZONES,
    vm: VM,
    heartbeatSeconds: 30,
    logger: winston.createLogger({ silent: true }),
    operationTimeoutMs,
  });
}

/** The current test's stand-in and driver. */
export interface StandIn {
  fake: FakeComputeServer;
  driver: ComputeEngineDriver;
}

/**
 * Gives every test of the calling file a fresh stand-in and driver, and
 * fails a test whose requests did not match the shipped definitions.
 */
export function useStandIn(): StandIn {
  const current = {} as StandIn;
  beforeEach(async () => {
    current.fake = new FakeComputeServer();
    current.driver = createDriver(await current.fake.start());
  });
  afterEach(async () => {
    await current.fake.stop();
    const { problems } = current.fake;
    assert.deepEqual(problems, [], 'requests match the Compute protos');
  });
  return current;
}

/** A launch of TASK_ID with the machine chosen for `resources`. */
export function spec(resources?: TesResources, attempt = 1): WorkerSpec {
  return {
    taskId: TASK_ID,
    attempt,
    owner: 'Alice.Smith@Example.com',
    machine: chooseMachine(resources, ZONES),
  };
}

/** The instance inserts the stand-in received. */
export function inserts(fake: FakeComputeServer): ReceivedRequest[] {
  return fake.received('POST', '/instances');
}

/** The body of the one insert the stand-in received. */
export function insertedInstance(fake: FakeComputeServer): Json {
  const [only, ...more] = inserts(fake);
  assert.ok(only, 'an insert was sent');
  assert.equal(more.length, 0, 'exactly one insert was sent');
  return only.body as Json;
}
