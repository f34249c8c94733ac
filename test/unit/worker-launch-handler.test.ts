/**
 * tes-worker-launch with narrow fakes of Firestore, Pub/Sub and the
 * compute driver: what it does with a launch that can never succeed, and
 * what it passes to the driver.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloudEvent } from '@google-cloud/functions-framework';
import winston from 'winston';
import type {
  ComputeDriver,
  WorkerSpec,
} from '../../functions/worker-launch/compute-driver';
import { NoCapacityError } from '../../functions/worker-launch/compute-engine-errors';
import {
  createWorkerLaunchHandler,
  type TaskReader,
} from '../../functions/worker-launch/handler';
import type { Publisher } from '../../shared/cloud';
import type {
  ControlMessage,
  MachineChoice,
  WorkerEvent,
} from '../../shared/messages';
import type { TaskRecord } from '../../shared/task-record';
import { TOPICS, type TopicName } from '../../shared/topology';

const TASK_ID = 'b3c1d2e4-5f60-4a7b-8c9d-0e1f2a3b4c5d';

const MACHINE: MachineChoice = {
  machineType: 'e2-small',
  zones: ['us-central1-a'],
  preemptible: false,
  cpuCores: 1,
  ramGb: 1,
  diskGb: 10,
};

const LAUNCH: ControlMessage = {
  action: 'launch',
  taskId: TASK_ID,
  attempt: 2,
  machine: MACHINE,
};

/** A task document waiting for attempt 2 to start. */
const TASK = {
  id: TASK_ID,
  owner: 'alice',
  state: 'INITIALIZING',
  attempt: 2,
} as Partial<TaskRecord>;

function reader(task: Partial<TaskRecord>): TaskReader {
  return {
    collection: () => ({
      doc: () => ({ get: async () => ({ data: () => task }) }),
    }),
  };
}

class RecordingPublisher implements Publisher {
  readonly published: Array<{ topic: TopicName; message: object }> = [];

  async publish(topic: TopicName, message: object): Promise<string> {
    this.published.push({ topic, message });
    return String(this.published.length);
  }
}

function delivery(message: ControlMessage): CloudEvent<unknown> {
  const data = Buffer.from(JSON.stringify(message)).toString('base64');
  return {
    id: 'event-1',
    source: 'test',
    specversion: '1.0',
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    data: { message: { data } },
  };
}

function handlerWith(driver: ComputeDriver, publisher: RecordingPublisher) {
  return createWorkerLaunchHandler({
    db: reader(TASK),
    publisher,
    driver,
    logger: winston.createLogger({ silent: true }),
  });
}

const refusing = (error: Error): ComputeDriver => ({
  launch: async () => {
    throw error;
  },
  teardown: async () => {},
});

describe('tes-worker-launch', () => {
  it('reports the worker lost, with the reason, when no zone has capacity', async () => {
    const publisher = new RecordingPublisher();
    const reason = 'no zone could start a e2-small VM (us-central1-a: ...)';
    const handle = handlerWith(
      refusing(new NoCapacityError(reason)),
      publisher,
    );

    await handle(delivery(LAUNCH));

    assert.equal(publisher.published.length, 1);
    const [sent] = publisher.published;
    assert.equal(sent?.topic, TOPICS.workerEvents);
    const event = sent?.message as WorkerEvent;
    assert.equal(event.type, 'worker_lost');
    assert.equal(event.taskId, TASK_ID);
    assert.equal(event.attempt, 2);
    assert.ok(event.type === 'worker_lost' && event.reason === reason);
  });

  it('lets any other launch failure through, so the message is retried', async () => {
    const publisher = new RecordingPublisher();
    const handle = handlerWith(
      refusing(new Error('socket hang up')),
      publisher,
    );

    await assert.rejects(handle(delivery(LAUNCH)), /socket hang up/);
    assert.deepEqual(publisher.published, []);
  });

  it('passes the task owner to the driver for the VM labels', async () => {
    const launched: WorkerSpec[] = [];
    const driver: ComputeDriver = {
      launch: async (spec) => {
        launched.push(spec);
      },
      teardown: async () => {},
    };

    await handlerWith(driver, new RecordingPublisher())(delivery(LAUNCH));

    assert.deepEqual(launched, [
      {
        taskId: TASK_ID,
        attempt: 2,
        owner: 'alice',
        machine: MACHINE,
      },
    ]);
  });
});
