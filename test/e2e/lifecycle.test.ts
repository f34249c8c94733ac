/**
 * A task's life through the whole local stack: API, state transition,
 * assignment, worker launch, the worker process and event ingestion.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { processesMentioning } from '../support/processes';
import { type Stack, startStack } from '../support/stack';
import {
  cancelTask,
  createTask,
  getTask,
  waitForEnd,
  waitForTask,
} from '../support/tes-client';

describe('task lifecycle', () => {
  let stack: Stack;
  let out: string;

  before(async () => {
    stack = await startStack();
    out = mkdtempSync(path.join(os.tmpdir(), 'tes-out-'));
  });
  after(async () => {
    await stack?.stop();
  });

  it('runs a task to COMPLETE and stores its output file', async () => {
    const id = await createTask(stack.url, {
      name: 'word count',
      inputs: [{ path: '/data/in.txt', content: 'one two three\nfour\n' }],
      outputs: [
        { path: '/data/out/count.txt', url: `file://${out}/count.txt` },
      ],
      executors: [
        {
          image: 'alpine',
          command: ['wc', '-w', '/data/in.txt'],
          stdout: '/data/out/count.txt',
        },
      ],
    });

    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'COMPLETE');
    const log = task.logs?.at(-1);
    assert.equal(log?.logs[0]?.exit_code, 0);
    assert.equal(
      readFileSync(path.join(out, 'count.txt'), 'utf8'),
      '4 /data/in.txt\n',
    );
    assert.deepEqual(log?.outputs, [
      {
        url: `file://${out}/count.txt`,
        path: '/data/out/count.txt',
        size_bytes: '15',
      },
    ]);
    assert.ok(
      log?.system_logs?.some((l) =>
        l.includes('image alpine recorded but not used'),
      ),
    );
  });

  it('stops at a failing executor with EXECUTOR_ERROR and its exit code', async () => {
    const id = await createTask(stack.url, {
      executors: [
        { image: 'alpine', command: ['sh', '-c', 'echo before; exit 3'] },
        { image: 'alpine', command: ['touch', '/tmp/never'] },
      ],
    });

    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'EXECUTOR_ERROR');
    const executors = task.logs?.at(-1)?.logs ?? [];
    assert.equal(executors.length, 1, 'the second executor must not run');
    assert.equal(executors[0]?.exit_code, 3);
    assert.equal(executors[0]?.stdout, 'before\n');
  });

  it('cancels a running task: CANCELED, and its worker process is gone', async () => {
    const marker = `${Date.now() % 100000}.5`;
    const id = await createTask(stack.url, {
      executors: [
        {
          image: 'alpine',
          command: ['sh', '-c', `echo up; exec sleep ${marker}`],
        },
      ],
    });
    await waitForTask(
      stack.url,
      id,
      (t) => t.logs?.at(-1)?.logs[0]?.stdout === 'up\n',
    );
    assert.ok(
      processesMentioning(id).length > 0,
      'the worker runs while the task runs',
    );

    await cancelTask(stack.url, id);
    const task = await waitForEnd(stack.url, id, 20_000);
    assert.equal(task.state, 'CANCELED');
    await sleep(200);
    assert.deepEqual(processesMentioning(id), [], 'no worker process is left');
    assert.deepEqual(
      processesMentioning(`sleep ${marker}`),
      [],
      'no executor is left',
    );
    // The worker's last report tells how the killed executor ended.
    const told = await waitForTask(
      stack.url,
      id,
      (t) => t.logs?.[0]?.logs[0]?.exit_code !== -1,
      10_000,
    );
    const log = told.logs?.[0];
    assert.equal(log?.logs[0]?.exit_code, 137);
    assert.ok(log?.logs[0]?.end_time, 'the executor has an end time');
    assert.ok(
      log?.system_logs?.includes(
        'attempt stopped before its end: the task was cancelled, or its worker stopped',
      ),
      JSON.stringify(log?.system_logs),
    );
    assert.equal(told.state, 'CANCELED');
  });

  it('cancels a queued task and leaves a finished task as it was', async () => {
    const finished = await createTask(stack.url, {
      executors: [{ image: 'alpine', command: ['true'] }],
    });
    assert.equal((await waitForEnd(stack.url, finished)).state, 'COMPLETE');
    await cancelTask(stack.url, finished);
    await sleep(500);
    assert.equal(
      (await getTask(stack.url, finished, 'MINIMAL')).state,
      'COMPLETE',
    );

    const queued = await createTask(stack.url, {
      executors: [{ image: 'alpine', command: ['sleep', '60'] }],
    });
    await cancelTask(stack.url, queued);
    assert.equal(
      (await waitForEnd(stack.url, queued, 20_000)).state,
      'CANCELED',
    );
  });

  it('shows a running executor output tail while the task runs', async () => {
    const id = await createTask(stack.url, {
      executors: [
        { image: 'alpine', command: ['sh', '-c', 'printf x; sleep 60'] },
      ],
    });
    const running = await waitForTask(
      stack.url,
      id,
      (t) => t.logs?.at(-1)?.logs[0]?.stdout === 'x',
      15_000,
    );
    assert.equal(running.state, 'RUNNING');
    await cancelTask(stack.url, id);
    assert.equal((await waitForEnd(stack.url, id, 20_000)).state, 'CANCELED');
  });
});
