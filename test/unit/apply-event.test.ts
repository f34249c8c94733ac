import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyWorkerEvent,
  MAX_DOCUMENT_BYTES,
} from '../../functions/event-ingestion/apply-event';
import type {
  AttemptReport,
  WorkerEvent,
  WorkerEventBody,
} from '../../shared/messages';
import { MAX_REPORT_BYTES } from '../../shared/report-bounds';
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

const MAX_ATTEMPTS = 3;
let clock = 0;
function event(body: WorkerEventBody, seq: number, attempt = 1): WorkerEvent {
  clock += 1;
  const time = new Date(Date.UTC(2026, 0, 1, 0, 0, clock)).toISOString();
  return { taskId: 't1', attempt, seq, time, ...body } as WorkerEvent;
}

function report(seq: number, fields: Partial<AttemptReport>): WorkerEvent {
  const base: AttemptReport = {
    state: 'RUNNING',
    start_time: '2026-01-01T00:00:00.000Z',
    executors: [],
    outputs: [],
    system_logs: [],
  };
  return event({ type: 'report', report: { ...base, ...fields } }, seq);
}

/** Applies events in order, as the ingestion transaction would. */
function applyAll(start: TaskRecord, events: WorkerEvent[]): TaskRecord {
  let t = start;
  for (const e of events) t = { ...t, ...applyWorkerEvent(t, e, MAX_ATTEMPTS) };
  return t;
}

const run: WorkerEvent[] = [
  report(1, { state: 'INITIALIZING', system_logs: ['fetched'] }),
  report(2, {
    executors: [{ stdout: 'a', stderr: '' }],
    system_logs: ['fetched'],
  }),
  report(3, {
    executors: [{ stdout: 'ab', stderr: 'e', exit_code: 0, end_time: 'x' }],
    system_logs: ['fetched'],
  }),
  report(4, {
    state: 'COMPLETE',
    end_time: '2026-01-01T00:01:00.000Z',
    executors: [{ stdout: 'ab', stderr: 'e', exit_code: 0, end_time: 'x' }],
    outputs: [{ url: 'file:///o', path: '/o', size_bytes: '3' }],
    system_logs: ['fetched'],
  }),
];

describe('applying worker events to a task', () => {
  it('converges on the same document in any order, with duplicates', () => {
    const inOrder = applyAll(task(), run);
    const shuffled = applyAll(task(), [
      run[3],
      run[1],
      run[1],
      run[0],
      run[2],
      run[3],
    ] as WorkerEvent[]);
    assert.equal(inOrder.state, 'COMPLETE');
    assert.equal(shuffled.state, 'COMPLETE');
    assert.deepEqual(shuffled.attempts, inOrder.attempts);
    assert.equal(inOrder.attempts[0]?.report?.executors[0]?.stdout, 'ab');
    assert.equal(inOrder.attempts[0]?.seq, 4);
  });

  it('is complete as soon as the final report arrives', () => {
    const final = applyAll(task(), [run[3] as WorkerEvent]);
    assert.equal(final.state, 'COMPLETE');
    assert.deepEqual(final.attempts[0]?.report?.outputs, [
      { url: 'file:///o', path: '/o', size_bytes: '3' },
    ]);
  });

  it('ignores a duplicate or an older report: nothing changes', () => {
    const done = applyAll(task(), run);
    for (const e of run)
      assert.equal(applyWorkerEvent(done, e, MAX_ATTEMPTS), undefined);
  });

  it('shows RUNNING while executors report, and keeps their tails', () => {
    const running = applyAll(task(), run.slice(0, 2));
    assert.equal(running.state, 'RUNNING');
    assert.equal(running.attempts[0]?.report?.executors[0]?.stdout, 'a');
  });

  it('ignores reports about an attempt that is no longer current', () => {
    const current = task({
      attempt: 2,
      attempts: [newAttempt(), newAttempt()],
    });
    const stale = event(
      {
        type: 'report',
        report: { ...(run[3] as { report: AttemptReport }).report },
      },
      9,
      1,
    );
    assert.equal(applyWorkerEvent(current, stale, MAX_ATTEMPTS), undefined);
  });

  it('ends a CANCELING task when the worker is confirmed stopped', () => {
    const canceling = task({ state: 'CANCELING' });
    const stopped = event({ type: 'worker_stopped', reason: 'canceled' }, 0);
    const update = applyWorkerEvent(canceling, stopped, MAX_ATTEMPTS);
    assert.equal(update?.state, 'CANCELED');
    assert.equal(update?.attempts?.[0]?.end_time, stopped.time);
  });

  it('does not let a completion overtake a cancel, but keeps its report', () => {
    const canceling = task({ state: 'CANCELING' });
    const update = applyWorkerEvent(
      canceling,
      run[3] as WorkerEvent,
      MAX_ATTEMPTS,
    );
    assert.equal(update?.state, undefined);
    assert.equal(update?.attempts?.[0]?.seq, 4);
  });

  it('queues a task again when its worker is lost, while attempts remain', () => {
    const running = task({ state: 'RUNNING' });
    const lost = event({ type: 'worker_lost', reason: 'preempted' }, 0);
    const update = applyWorkerEvent(running, lost, MAX_ATTEMPTS);
    assert.equal(update?.state, 'QUEUED');
    assert.equal(update?.attempts?.[0]?.end_time, lost.time);
    assert.match(
      update?.attempts?.[0]?.notes[0] ?? '',
      /preempted; the task will be tried again/,
    );
    assert.equal(
      applyWorkerEvent({ ...running, ...update }, lost, MAX_ATTEMPTS),
      undefined,
    );
  });

  it('ends a task SYSTEM_ERROR when its last attempt is lost', () => {
    const attempts = [newAttempt(), newAttempt(), newAttempt()];
    const last = task({ state: 'RUNNING', attempt: 3, attempts });
    const lost = event({ type: 'worker_lost', reason: 'exit code 1' }, 0, 3);
    const update = applyWorkerEvent(last, lost, MAX_ATTEMPTS);
    assert.equal(update?.state, 'SYSTEM_ERROR');
    assert.match(
      update?.attempts?.[2]?.notes[0] ?? '',
      /exit code 1; no attempts are left/,
    );
  });

  it('keeps the newest heartbeat', () => {
    const early = event({ type: 'heartbeat' }, 1);
    const late = event({ type: 'heartbeat' }, 2);
    const t = applyAll(task(), [late, early]);
    assert.equal(t.heartbeat_time, late.time);
  });

  it('cuts a report that would not fit in the task document', () => {
    const big = 'x'.repeat(60_000);
    const huge = report(5, {
      executors: Array.from({ length: 16 }, () => ({
        stdout: big,
        stderr: big,
      })),
      system_logs: Array.from(
        { length: 5000 },
        (_, i) => `line ${i} ${'y'.repeat(200)}`,
      ),
      outputs: Array.from({ length: 5000 }, (_, i) => ({
        url: `file:///o/${i}`,
        path: `/o/${i}`,
        size_bytes: '1',
      })),
    });
    const update = applyWorkerEvent(task(), huge, MAX_ATTEMPTS);
    const stored = update?.attempts?.[0]?.report;
    assert.ok(stored);
    assert.ok(Buffer.byteLength(JSON.stringify(stored)) <= MAX_REPORT_BYTES);
    assert.equal(stored.executors.length, 16);
    assert.ok((stored.executors[0]?.stdout.length ?? 0) < big.length);
    assert.match(stored.system_logs[0] ?? '', /5000 system log lines/);
    assert.ok(stored.system_logs.at(-1)?.startsWith('line 4999'));
    assert.equal(stored.outputs.length, 5000);
  });

  it('cuts even a report whose output file logs alone are too large', () => {
    const name = 'n'.repeat(150);
    const outputs = Array.from({ length: 15_000 }, (_, i) => ({
      url: `file:///o/${name}${i}`,
      path: `/o/${name}${i}`,
      size_bytes: '1',
    }));
    const update = applyWorkerEvent(
      task(),
      report(6, { outputs }),
      MAX_ATTEMPTS,
    );
    const stored = update?.attempts?.[0]?.report;
    assert.ok(
      stored && Buffer.byteLength(JSON.stringify(stored)) <= MAX_REPORT_BYTES,
    );
    assert.ok(stored.outputs.length < outputs.length);
    assert.match(stored.system_logs[0] ?? '', /15000 output file logs/);
  });

  it('cuts the report further when the task leaves it less room', () => {
    // A task whose own fields take 700 KB: 300 KB is left for the report.
    const heavy = task({
      terms: Array.from({ length: 7000 }, (_, i) => `t${'x'.repeat(96)}${i}`),
    });
    const outputs = Array.from({ length: 3000 }, (_, i) => ({
      url: `gs://b/${'n'.repeat(120)}${i}`,
      path: `/o/${'n'.repeat(120)}${i}`,
      size_bytes: '1',
    }));
    const update = applyWorkerEvent(
      heavy,
      report(7, { state: 'COMPLETE', outputs }),
      MAX_ATTEMPTS,
    );
    assert.equal(update?.state, 'COMPLETE');
    const stored = { ...heavy, ...update };
    assert.ok(
      Buffer.byteLength(JSON.stringify(stored)) <= MAX_DOCUMENT_BYTES,
      `${Buffer.byteLength(JSON.stringify(stored))} bytes`,
    );
    assert.match(
      stored.attempts[0]?.report?.system_logs[0] ?? '',
      /3000 output file logs; only some are kept/,
    );
  });
});
