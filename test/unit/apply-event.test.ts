import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyWorkerEvent } from '../../functions/event-ingestion/apply-event';
import type { WorkerEvent, WorkerEventBody } from '../../shared/messages';
import { newAttempt, type TaskRecord } from '../../shared/task-record';

function task(overrides: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id: 't1',
    owner: 'local',
    state: 'INITIALIZING',
    creation_time: '2026-01-01T00:00:00.000Z',
    updated_time: '2026-01-01T00:00:00.000Z',
    inputs: [],
    outputs: [],
    executors: [{ image: 'alpine', command: ['true'] }],
    volumes: [],
    tags: {},
    terms: [],
    notes: [],
    attempt: 1,
    attempts: [newAttempt()],
    ...overrides,
  };
}

let clock = 0;
function event(body: WorkerEventBody, seq: number, attempt = 1): WorkerEvent {
  clock += 1;
  const time = new Date(Date.UTC(2026, 0, 1, 0, 0, clock)).toISOString();
  return { taskId: 't1', attempt, seq, time, ...body } as WorkerEvent;
}

/** Applies events in order, as the ingestion transaction would. */
function applyAll(start: TaskRecord, events: WorkerEvent[]): TaskRecord {
  let task = start;
  for (const e of events) task = { ...task, ...applyWorkerEvent(task, e) };
  return task;
}

const run: WorkerEvent[] = [
  event({ type: 'state', state: 'RUNNING' }, 1),
  event(
    { type: 'executor', executor: { index: 0, stdout: 'a', stderr: '' } },
    2,
  ),
  event({ type: 'system_log', line: 'hello' }, 3),
  event(
    {
      type: 'executor',
      executor: {
        index: 0,
        stdout: 'ab',
        stderr: 'e',
        exit_code: 0,
        end_time: 'x',
      },
    },
    4,
  ),
  event(
    {
      type: 'outputs',
      outputs: [{ url: 'file:///o', path: '/o', size_bytes: '3' }],
    },
    5,
  ),
  event({ type: 'state', state: 'COMPLETE' }, 6),
];

describe('applying worker events to a task', () => {
  it('converges on the same document in any order, with duplicates', () => {
    const inOrder = applyAll(task(), run);
    const shuffled = applyAll(task(), [
      run[5],
      run[3],
      run[1],
      run[1],
      run[0],
      run[4],
      run[2],
      run[3],
    ] as WorkerEvent[]);
    assert.equal(inOrder.state, 'COMPLETE');
    assert.deepEqual(shuffled.attempts, inOrder.attempts);
    assert.equal(shuffled.state, 'COMPLETE');
    assert.equal(inOrder.attempts[0]?.executors['0']?.stdout, 'ab');
    assert.equal(inOrder.attempts[0]?.executors['0']?.exit_code, 0);
    assert.deepEqual(Object.values(inOrder.attempts[0]?.systemLogs ?? {}), [
      'hello',
    ]);
  });

  it('is complete as soon as the final state arrives, whatever came before', () => {
    const summary = {
      executors: [
        { index: 0, stdout: 'ab', stderr: 'e', exit_code: 0, end_time: 'x' },
      ],
      outputs: [{ url: 'file:///o', path: '/o', size_bytes: '3' }],
      systemLogs: { '3': 'hello' },
    };
    const final = event({ type: 'state', state: 'COMPLETE', summary }, 6);
    const first = applyAll(task(), [final]);
    assert.equal(first.state, 'COMPLETE');
    assert.equal(first.attempts[0]?.executors['0']?.exit_code, 0);
    assert.equal(first.attempts[0]?.executors['0']?.stdout, 'ab');
    assert.deepEqual(first.attempts[0]?.outputs, summary.outputs);
    assert.deepEqual(first.attempts[0]?.systemLogs, { '3': 'hello' });

    const late = applyAll(first, run.slice(0, 5));
    assert.deepEqual(late.attempts[0]?.executors, first.attempts[0]?.executors);
    assert.deepEqual(
      late.attempts[0]?.systemLogs,
      first.attempts[0]?.systemLogs,
    );
  });

  it('ignores a duplicate: nothing changes', () => {
    const done = applyAll(task(), run);
    for (const e of run) assert.equal(applyWorkerEvent(done, e), undefined);
  });

  it('ignores reports about an attempt that is no longer current', () => {
    const current = task({
      attempt: 2,
      attempts: [newAttempt(), newAttempt()],
    });
    const stale = event({ type: 'state', state: 'COMPLETE' }, 9, 1);
    assert.equal(applyWorkerEvent(current, stale), undefined);
  });

  it('ends a CANCELING task when the worker is confirmed stopped', () => {
    const canceling = task({ state: 'CANCELING' });
    const update = applyWorkerEvent(
      canceling,
      event({ type: 'worker_stopped', reason: 'canceled' }, 0),
    );
    assert.equal(update?.state, 'CANCELED');
    assert.ok(update?.attempts?.[0]?.end_time);
  });

  it('does not let a completion overtake a cancel', () => {
    const canceling = task({ state: 'CANCELING' });
    const update = applyWorkerEvent(
      canceling,
      event({ type: 'state', state: 'COMPLETE' }, 7),
    );
    assert.equal(update?.state, undefined);
  });

  it('turns a lost worker into SYSTEM_ERROR with the reason', () => {
    const running = task({ state: 'RUNNING' });
    const update = applyWorkerEvent(
      running,
      event({ type: 'worker_lost', reason: 'exit code 1' }, 0),
    );
    assert.equal(update?.state, 'SYSTEM_ERROR');
    assert.equal(
      update?.attempts?.[0]?.systemLogs.lost,
      'worker lost: exit code 1',
    );
  });

  it('takes an executor report as proof the attempt is running', () => {
    const report = event(
      { type: 'executor', executor: { index: 0, stdout: 'x', stderr: '' } },
      2,
    );
    assert.equal(applyWorkerEvent(task(), report)?.state, 'RUNNING');
    assert.equal(
      applyWorkerEvent(task({ state: 'COMPLETE' }), report)?.state,
      undefined,
    );
  });

  it('keeps the newest heartbeat', () => {
    const early = event({ type: 'heartbeat' }, 1);
    const late = event({ type: 'heartbeat' }, 2);
    const t = applyAll(task(), [late, early]);
    assert.equal(t.heartbeat_time, late.time);
  });
});
