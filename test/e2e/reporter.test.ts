/**
 * The worker's reporter on the Pub/Sub emulator: a report too big for one
 * message (tens of thousands of output file logs) is cut before it is
 * published, so the final state always gets through.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Message, PubSub, type Subscription } from '@google-cloud/pubsub';
import { PubSubPublisher } from '../../shared/cloud';
import type { WorkerEvent } from '../../shared/messages';
import { MAX_REPORT_BYTES } from '../../shared/report-bounds';
import { TOPICS } from '../../shared/topology';
import { Reporter } from '../../worker/reporter';

describe('the reporter', () => {
  const projectId = `demo-r${randomBytes(5).toString('hex')}`;
  const pubsub = new PubSub({ projectId });
  let subscription: Subscription;
  const received: Array<{ event: WorkerEvent; bytes: number }> = [];

  before(async () => {
    assert.ok(process.env.PUBSUB_EMULATOR_HOST, 'the test runner sets it');
    const [topic] = await pubsub.createTopic(TOPICS.workerEvents);
    [subscription] = await topic.createSubscription('reports');
    subscription.on('message', (message: Message) => {
      received.push({
        event: JSON.parse(message.data.toString()),
        bytes: message.data.length,
      });
      message.ack();
    });
  });
  after(async () => {
    await subscription?.close();
    await pubsub.close();
  });

  it('cuts a report past what a message can carry, and still ends the attempt', async () => {
    const publisher = new PubSubPublisher(new PubSub({ projectId }));
    const errors: unknown[] = [];
    const reporter = new Reporter(publisher, 'task-1', 1, (e) =>
      errors.push(e),
    );
    // 20,000 output file logs of about 700 bytes: 14 MB, past Pub/Sub's 10.
    const deep = 'd'.repeat(300);
    reporter.setOutputs(
      Array.from({ length: 20_000 }, (_, i) => ({
        url: `gs://bucket/${deep}/${i}`,
        path: `/out/${deep}/${i}`,
        size_bytes: String(i),
      })),
    );
    await reporter.setState('COMPLETE');
    reporter.stop();
    await publisher.close();

    const deadline = Date.now() + 20_000;
    const final = () =>
      received.find(
        (r) => r.event.type === 'report' && r.event.report.state === 'COMPLETE',
      );
    while (!final() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const got = final();
    assert.ok(got, `no final report among ${received.length} messages`);
    assert.deepEqual(errors, []);
    assert.ok(got.bytes <= MAX_REPORT_BYTES + 1024, `${got.bytes} bytes`);
    const report = got.event.type === 'report' ? got.event.report : undefined;
    assert.match(
      report?.system_logs[0] ?? '',
      /20000 output file logs; only some are kept/,
    );
    assert.ok((report?.outputs.length ?? 0) > 0);
  });
});
