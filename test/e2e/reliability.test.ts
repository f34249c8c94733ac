/**
 * Never lose a task, never run one twice: lost and frozen workers,
 * exhausted attempts, every message delivered twice, a crash injected at
 * each step of each handler, and restarts of the local stack. Each test
 * checks the final state and how many workers ran.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Firestore } from '@google-cloud/firestore';
import { newTaskRecord } from '../../functions/api/task-store';
import type { TesTask } from '../../shared/tes';
import { TASKS_COLLECTION } from '../../shared/topology';
import { processesMentioning, workerPids } from '../support/processes';
import { type Stack, startStack } from '../support/stack';
import {
  cancelTask,
  createTask,
  getTask,
  waitForEnd,
  waitForTask,
} from '../support/tes-client';

const FAST = {
  TES_MAINTENANCE_SECONDS: '1',
  TES_HEARTBEAT_SECONDS: '1',
  TES_HEARTBEAT_TIMEOUT_SECONDS: '4',
  TES_QUEUED_TIMEOUT_SECONDS: '3',
};

const stacks: Stack[] = [];
async function stack(options: Parameters<typeof startStack>[0] = {}) {
  const started = await startStack(options);
  stacks.push(started);
  return started;
}

function executorTask(script: string) {
  return { executors: [{ image: 'alpine', command: ['sh', '-c', script] }] };
}

async function runningWorker(base: string, id: string): Promise<number> {
  await waitForTask(
    base,
    id,
    (t) => t.logs?.at(-1)?.logs[0]?.stdout === 'run\n',
  );
  const [pid] = workerPids(id);
  assert.ok(pid, 'the worker process runs');
  return pid;
}

function attemptsOf(task: TesTask): number {
  const logs = task.logs?.length ?? 0;
  return logs > 1 ? logs - 1 : logs;
}

after(async () => {
  await Promise.all(stacks.map((s) => s.stop()));
});

describe('lost workers', () => {
  it('retries a task whose worker process was killed, then completes it', async () => {
    const s = await stack({ env: FAST });
    const id = await createTask(s.url, executorTask('echo run; sleep 5'));
    process.kill(await runningWorker(s.url, id), 'SIGKILL');

    const task = await waitForEnd(s.url, id, 60_000);
    assert.equal(task.state, 'COMPLETE');
    assert.equal(attemptsOf(task), 2);
    assert.equal(s.workerRuns(id), 2);
    assert.deepEqual(
      task.logs?.[0],
      task.logs?.[2],
      'first log mirrors the last',
    );
    assert.equal(task.logs?.[0]?.logs[0]?.exit_code, 0);
    assert.match(
      task.logs?.[1]?.system_logs?.join('\n') ?? '',
      /worker lost: .*SIGKILL.*tried again/,
    );
  });

  it('finds a frozen worker by its missing heartbeats and retries the task', async () => {
    const s = await stack({ env: FAST });
    const id = await createTask(s.url, executorTask('echo run; sleep 5'));
    const frozen = await runningWorker(s.url, id);
    process.kill(frozen, 'SIGSTOP');

    const task = await waitForEnd(s.url, id, 60_000);
    assert.equal(task.state, 'COMPLETE');
    assert.equal(attemptsOf(task), 2);
    assert.match(
      task.logs?.[1]?.system_logs?.join('\n') ?? '',
      /no sign of life/,
    );
    const deadline = Date.now() + 15_000;
    while (workerPids(id).includes(frozen) && Date.now() < deadline) {
      await sleep(200);
    }
    assert.ok(
      !workerPids(id).includes(frozen),
      'the frozen worker was torn down',
    );
  });

  it('ends a task SYSTEM_ERROR when its last attempt is lost', async () => {
    const s = await stack({ env: { ...FAST, TES_MAX_ATTEMPTS: '1' } });
    const id = await createTask(s.url, executorTask('echo run; sleep 30'));
    process.kill(await runningWorker(s.url, id), 'SIGKILL');

    const task = await waitForEnd(s.url, id, 30_000);
    assert.equal(task.state, 'SYSTEM_ERROR');
    assert.equal(s.workerRuns(id), 1);
    assert.match(
      task.logs?.[0]?.system_logs?.join('\n') ?? '',
      /no attempts are left/,
    );
    await sleep(500);
    assert.deepEqual(processesMentioning(id), []);
  });
});

/** Runs a task that completes, one that fails and one that is cancelled. */
async function threeTasks(s: Stack) {
  const done = await createTask(s.url, executorTask('echo ok'));
  const failed = await createTask(s.url, executorTask('exit 2'));
  const canceled = await createTask(s.url, executorTask('echo run; sleep 60'));
  await waitForTask(s.url, canceled, (t) => t.state === 'RUNNING');
  await cancelTask(s.url, canceled);

  const tasks = await Promise.all(
    [done, failed, canceled].map((id) => waitForEnd(s.url, id, 60_000)),
  );
  assert.deepEqual(
    tasks.map((t) => t.state),
    ['COMPLETE', 'EXECUTOR_ERROR', 'CANCELED'],
  );
  assert.equal(tasks[1]?.logs?.[0]?.logs[0]?.exit_code, 2);
  for (const task of tasks) {
    assert.equal(attemptsOf(task), 1, `${task.id} ran once`);
    assert.equal(s.workerRuns(task.id), 1, `${task.id} had one worker`);
  }
  // Late duplicates change nothing once the tasks are final.
  await sleep(1500);
  for (const task of tasks) {
    const again = await waitForEnd(s.url, task.id);
    assert.equal(again.state, task.state);
    assert.equal(s.workerRuns(task.id), 1);
  }
}

describe('duplicates and crashes', () => {
  it('gives the same results, one worker each, when every message arrives twice', async () => {
    await threeTasks(
      await stack({ env: { TES_FAULT_DUPLICATE_DELIVERY: '1' } }),
    );
  });

  it('gives the same results when each handler step fails once and is redelivered', async () => {
    const steps = [
      'state-transition:start',
      'state-transition:published',
      'assignment:start',
      'assignment:committed',
      'worker-launch:start',
      'worker-launch:launched',
      'worker-launch:torn-down',
      'event-ingestion:start',
      'event-ingestion:committed',
    ];
    const s = await stack({
      env: { TES_FAULTS: steps.map((step) => `${step}=1`).join(',') },
    });
    await threeTasks(s);
    for (const step of steps) {
      assert.match(
        s.output(),
        new RegExp(`fault injected at ${step}`),
        `${step} failed once`,
      );
    }
  });
});

describe('restarts', () => {
  it('resolves a task that was running, and one whose assignment was lost, after a restart', async () => {
    const first = await stack({ env: FAST });
    const running = await createTask(
      first.url,
      executorTask('echo run; sleep 5'),
    );
    await runningWorker(first.url, running);
    await first.stop();
    assert.deepEqual(
      workerPids(running),
      [],
      'stopping the stack stops its workers',
    );

    // Accepted while no function runs: its trigger event is lost.
    const db = new Firestore({
      projectId: first.projectId,
      ignoreUndefinedProperties: true,
    });
    const record = newTaskRecord('local', executorTask('echo queued'), []);
    await db.collection(TASKS_COLLECTION).doc(record.id).create(record);
    await db.terminate();

    const second = await stack({
      projectId: first.projectId,
      workDir: first.workDir,
      env: FAST,
    });
    const resumed = await waitForEnd(second.url, running, 60_000);
    assert.equal(resumed.state, 'COMPLETE');
    assert.equal(attemptsOf(resumed), 2);
    const queued = await waitForEnd(second.url, record.id, 60_000);
    assert.equal(queued.state, 'COMPLETE');
    assert.equal(attemptsOf(queued), 1);
  });

  it('keeps every task when npm start is stopped and started again', async () => {
    const project = `demo-r${randomBytes(4).toString('hex')}`;
    const first = await stack({ ownEmulators: true, projectId: project });
    const id = await createTask(first.url, {
      name: 'kept',
      ...executorTask('echo kept'),
    });
    assert.equal((await waitForEnd(first.url, id)).state, 'COMPLETE');
    await first.stop();

    const second = await stack({
      ownEmulators: true,
      projectId: project,
      workDir: first.workDir,
    });
    // On a failure, the first stack's own account of its stop.
    const task = await waitForEnd(second.url, id).catch((error) => {
      throw new Error(`${error}\n${first.output().slice(-4000)}`);
    });
    assert.equal(task.state, 'COMPLETE');
    assert.equal(task.name, 'kept');
    assert.equal(task.logs?.[0]?.logs[0]?.stdout, 'kept\n');
  });

  it('keeps every task it accepted while npm start was stopping', async () => {
    const project = `demo-r${randomBytes(4).toString('hex')}`;
    const first = await stack({ ownEmulators: true, projectId: project });
    const accepted: string[] = [];
    let refused = false;
    const send = async () => {
      while (!refused) {
        try {
          accepted.push(await createTask(first.url, executorTask('true')));
        } catch {
          refused = true;
        }
      }
    };
    const senders = [send(), send(), send(), send()];
    while (accepted.length < 8) await sleep(20);
    await first.stop();
    await Promise.all(senders);

    const second = await stack({
      ownEmulators: true,
      projectId: project,
      workDir: first.workDir,
    });
    const missing: string[] = [];
    for (const id of accepted) {
      await getTask(second.url, id, 'MINIMAL').catch(() => missing.push(id));
    }
    assert.deepEqual(missing, [], `of ${accepted.length} accepted`);
  });
});
