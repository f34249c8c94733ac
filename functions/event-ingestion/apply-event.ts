/**
 * How one worker event changes a task document: a pure function, so that
 * the ingestion transaction stays small and every rule here is testable
 * on its own. Events may arrive twice, late or out of order; applying
 * them in any order converges on the same document, because each worker
 * report replaces the one before and an older one is ignored.
 */
import type { WorkerEvent } from '../../shared/messages';
import { boundReport, MAX_REPORT_BYTES } from '../../shared/report-bounds';
import { canTransition, isTerminal } from '../../shared/state-machine';
import type { AttemptRecord, TaskRecord } from '../../shared/task-record';
import type { TaskState } from '../../shared/tes';

/**
 * The most a task document may take: Firestore's 1 MiB less room for
 * what it counts besides the JSON (field names, index overhead).
 */
export const MAX_DOCUMENT_BYTES = 1_000_000;

/**
 * The bytes a report of `task`'s current attempt may take: at most
 * MAX_REPORT_BYTES, and less when the task's other fields leave less room
 * under MAX_DOCUMENT_BYTES (a write over 1 MiB would be refused, and its
 * event retried forever).
 */
function reportRoom(task: TaskRecord): number {
  const attempts = [...task.attempts];
  const current = attempts[task.attempt - 1];
  if (current) attempts[task.attempt - 1] = { ...current, report: undefined };
  const rest = Buffer.byteLength(JSON.stringify({ ...task, attempts }));
  return Math.min(MAX_REPORT_BYTES, Math.max(4096, MAX_DOCUMENT_BYTES - rest));
}

/** The fields of a task document that an event changes. */
export type TaskUpdate = Partial<
  Pick<TaskRecord, 'state' | 'attempts' | 'heartbeat_time'>
>;

/** Whether a lost attempt of `task` is tried again. */
function retries(task: TaskRecord, maxAttempts: number): boolean {
  return task.attempt < maxAttempts;
}

function stateAfter(
  task: TaskRecord,
  event: WorkerEvent,
  maxAttempts: number,
): TaskState {
  switch (event.type) {
    case 'report': {
      const reported = event.report.state;
      return canTransition(task.state, reported) ? reported : task.state;
    }
    case 'worker_stopped':
      return task.state === 'CANCELING' ? 'CANCELED' : task.state;
    case 'worker_lost':
      if (task.state === 'CANCELING') return 'CANCELED';
      if (isTerminal(task.state)) return task.state;
      return retries(task, maxAttempts) ? 'QUEUED' : 'SYSTEM_ERROR';
    default:
      return task.state;
  }
}

function attemptAfter(
  attempt: AttemptRecord,
  event: WorkerEvent,
  newState: TaskState | undefined,
  maxAttempts: number,
  room: () => number,
): AttemptRecord {
  const next: AttemptRecord = { ...attempt };
  if (event.type === 'report' && event.seq > attempt.seq) {
    next.report = boundReport(event.report, room());
    next.seq = event.seq;
  }
  if (event.type === 'worker_lost' && newState) {
    const then =
      newState === 'QUEUED'
        ? `the task will be tried again (at most ${maxAttempts} attempts)`
        : newState === 'SYSTEM_ERROR'
          ? `no attempts are left (at most ${maxAttempts})`
          : 'the task was being canceled';
    next.notes = [...attempt.notes, `worker lost: ${event.reason}; ${then}`];
  }
  // The service ends an attempt when it ends or retries the task for it.
  const endedHere =
    newState !== undefined &&
    event.type !== 'report' &&
    (isTerminal(newState) || newState === 'QUEUED');
  if (endedHere && !next.report?.end_time) next.end_time ??= event.time;
  return next;
}

/**
 * Applies `event` to `task`; a lost worker's task is tried again while it
 * has had fewer than `maxAttempts` attempts. Returns the changed fields,
 * or undefined when the event changes nothing (a duplicate, an older
 * report, or a report about an attempt that is no longer current).
 */
export function applyWorkerEvent(
  task: TaskRecord,
  event: WorkerEvent,
  maxAttempts: number,
): TaskUpdate | undefined {
  if (event.attempt !== task.attempt) return undefined;

  const update: TaskUpdate = {};
  const state = stateAfter(task, event, maxAttempts);
  if (state !== task.state) update.state = state;

  // Anything the worker itself sends shows that it is alive.
  if (event.type === 'heartbeat' || event.type === 'report') {
    const last = task.heartbeat_time;
    if (!last || last < event.time) update.heartbeat_time = event.time;
  }

  const current = task.attempts[task.attempt - 1];
  if (current) {
    const next = attemptAfter(current, event, update.state, maxAttempts, () =>
      reportRoom(task),
    );
    if (JSON.stringify(next) !== JSON.stringify(current)) {
      const attempts = [...task.attempts];
      attempts[task.attempt - 1] = next;
      update.attempts = attempts;
    }
  }

  return Object.keys(update).length > 0 ? update : undefined;
}
