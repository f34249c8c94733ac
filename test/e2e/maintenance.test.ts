/**
 * The maintenance pass against the Firestore and Pub/Sub emulators: what
 * it finds overdue, and the messages it publishes for each.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Firestore } from '@google-cloud/firestore';
import { type Message, PubSub, type Subscription } from '@google-cloud/pubsub';
import { newTaskRecord } from '../../functions/api/task-store';
import { maintain } from '../../functions/maintenance/handler';
import { PubSubPublisher } from '../../shared/cloud';
import { createLogger } from '../../shared/logger';
import type { ReliabilityPolicy } from '../../shared/reliability';
import type { TaskRecord } from '../../shared/task-record';
import type { TaskState } from '../../shared/tes';
import { TASKS_COLLECTION, TOPICS } from '../../shared/topology';

const POLICY: ReliabilityPolicy = {
  maxAttempts: 3,
  heartbeatTimeoutSeconds: 90,
  startupTimeoutSeconds: 600,
  queuedTimeoutSeconds: 120,
  cancelingTimeoutSeconds: 60,
};
const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();

describe('maintenance pass', () => {
  const projectId = `demo-m${randomBytes(4).toString('hex')}`;
  const db = new Firestore({ projectId, ignoreUndefinedProperties: true });
  const pubsub = new PubSub({ projectId });
  const publisher = new PubSubPublisher(new PubSub({ projectId }));
  const subscriptions = new Map<string, Subscription>();
  const ids: Record<string, string> = {};

  async function put(
    key: string,
    state: TaskState,
    fields: Partial<TaskRecord>,
  ) {
    const record = {
      ...newTaskRecord('local', { executors: [] }, []),
      state,
      attempt: 1,
      ...fields,
    };
    ids[key] = record.id;
    await db.collection(TASKS_COLLECTION).doc(record.id).create(record);
  }

  /** The messages a topic received, gathered for a second. */
  async function received(topic: string): Promise<unknown[]> {
    const subscription = subscriptions.get(topic) as Subscription;
    const messages: unknown[] = [];
    const onMessage = (message: Message) => {
      messages.push(JSON.parse(message.data.toString()));
      message.ack();
    };
    subscription.on('message', onMessage);
    await sleep(1500);
    subscription.off('message', onMessage);
    await subscription.close();
    return messages;
  }

  before(async () => {
    for (const topic of [
      TOPICS.taskAssign,
      TOPICS.workerControl,
      TOPICS.workerEvents,
    ]) {
      const [created] = await pubsub.createTopic(topic);
      const [subscription] = await created.createSubscription(`${topic}-test`);
      subscriptions.set(topic, subscription);
    }
    await put('silentRunning', 'RUNNING', {
      heartbeat_time: ago(120),
      attempt: 2,
    });
    await put('liveRunning', 'RUNNING', { heartbeat_time: ago(10) });
    await put('slowStart', 'INITIALIZING', { heartbeat_time: ago(700) });
    await put('startingNow', 'INITIALIZING', { heartbeat_time: ago(100) });
    await put('stuckQueued', 'QUEUED', { updated_time: ago(300), attempt: 0 });
    await put('freshQueued', 'QUEUED', { updated_time: ago(5), attempt: 0 });
    await put('stuckCanceling', 'CANCELING', { updated_time: ago(100) });
    await put('oldComplete', 'COMPLETE', {
      updated_time: ago(9999),
      heartbeat_time: ago(9999),
    });
  });
  after(async () => {
    await publisher.close();
    await pubsub.close();
    await db.terminate();
  });

  it('reports silent workers lost, re-queues stuck tasks and re-asks teardowns', async () => {
    const logger = createLogger('tes-maintenance', 'local');
    const summary = await maintain({
      db,
      publisher,
      logger,
      policy: POLICY,
      now: () => NOW,
    });
    assert.deepEqual(summary, { lost: 2, requeued: 1, reteardown: 1 });

    const lost = (await received(TOPICS.workerEvents)) as Array<{
      taskId: string;
      attempt: number;
      type: string;
      reason: string;
    }>;
    assert.deepEqual(
      lost.map((e) => e.taskId).sort(),
      [ids.silentRunning, ids.slowStart].sort(),
    );
    const running = lost.find((e) => e.taskId === ids.silentRunning);
    assert.equal(running?.type, 'worker_lost');
    assert.equal(running?.attempt, 2);
    assert.match(
      running?.reason ?? '',
      /no sign of life from the worker for 120 s/,
    );

    assert.deepEqual(await received(TOPICS.taskAssign), [
      { taskId: ids.stuckQueued },
    ]);
    assert.deepEqual(await received(TOPICS.workerControl), [
      {
        action: 'teardown',
        taskId: ids.stuckCanceling,
        attempt: 1,
        reason: 'canceled',
      },
    ]);
  });
});
