/**
 * How one worker event changes a task document: a pure function, so that
 * the ingestion transaction stays small and every rule here is testable
 * on its own. Events may arrive twice, late or out of order; applying
 * them in any order converges on the same document.
 */
import type { ExecutorReport, WorkerEvent } from '../../shared/messages';
import { canTransition, isTerminal } from '../../shared/state-machine';
import type {
  AttemptRecord,
  ExecutorRecord,
  TaskRecord,
} from '../../shared/task-record';
import type { TaskState } from '../../shared/tes';

/** The fields of a task document that an event changes. */
export type TaskUpdate = Partial<
  Pick<TaskRecord, 'state' | 'attempts' | 'heartbeat_time'>
>;

function earliest(a: string | undefined, b: string): string {
  return a !== undefined && a < b ? a : b;
}

function mergeExecutor(
  current: ExecutorRecord | undefined,
  report: ExecutorReport,
  seq: number,
): ExecutorRecord {
  const base = current ?? { stdout: '', stderr: '', seq: -1 };
  const newer = seq > base.seq;
  return {
    start_time: base.start_time ?? report.start_time,
    end_time: base.end_time ?? report.end_time,
    exit_code: base.exit_code ?? report.exit_code,
    stdout: newer ? report.stdout : base.stdout,
    stderr: newer ? report.stderr : base.stderr,
    seq: newer ? seq : base.seq,
  };
}

function mergeExecutors(
  executors: AttemptRecord['executors'],
  reports: ExecutorReport[],
  seq: number,
): AttemptRecord['executors'] {
  const merged = { ...executors };
  for (const report of reports) {
    const key = String(report.index);
    merged[key] = mergeExecutor(executors[key], report, seq);
  }
  return merged;
}

function stateAfter(task: TaskRecord, event: WorkerEvent): TaskState {
  switch (event.type) {
    case 'state':
      return canTransition(task.state, event.state) ? event.state : task.state;
    case 'executor':
      // An executor's report means the attempt is running, even when the
      // RUNNING event itself is still on its way.
      return task.state === 'INITIALIZING' ? 'RUNNING' : task.state;
    case 'worker_stopped':
      return task.state === 'CANCELING' ? 'CANCELED' : task.state;
    case 'worker_lost':
      if (task.state === 'CANCELING') return 'CANCELED';
      return isTerminal(task.state) ? task.state : 'SYSTEM_ERROR';
    default:
      return task.state;
  }
}

function attemptAfter(
  attempt: AttemptRecord,
  event: WorkerEvent,
  ended: boolean,
): AttemptRecord {
  const next: AttemptRecord = { ...attempt };
  const fromWorker =
    event.type !== 'worker_stopped' && event.type !== 'worker_lost';
  if (fromWorker) next.start_time = earliest(attempt.start_time, event.time);
  if (ended && !attempt.end_time) next.end_time = event.time;

  switch (event.type) {
    case 'executor':
      next.executors = mergeExecutors(
        attempt.executors,
        [event.executor],
        event.seq,
      );
      break;
    case 'state':
      if (event.summary) {
        const { executors, outputs, systemLogs } = event.summary;
        next.executors = mergeExecutors(
          attempt.executors,
          executors,
          event.seq,
        );
        if (outputs) next.outputs = outputs;
        next.systemLogs = { ...attempt.systemLogs, ...systemLogs };
      }
      break;
    case 'outputs':
      next.outputs = event.outputs;
      break;
    case 'system_log':
      next.systemLogs = {
        ...attempt.systemLogs,
        [String(event.seq)]: event.line,
      };
      break;
    case 'worker_lost':
      next.systemLogs = {
        ...attempt.systemLogs,
        lost: `worker lost: ${event.reason}`,
      };
      break;
    default:
      break;
  }
  return next;
}

/**
 * Applies `event` to `task`. Returns the changed fields, or undefined when
 * the event changes nothing (a duplicate, or a report about an attempt
 * that is no longer current).
 */
export function applyWorkerEvent(
  task: TaskRecord,
  event: WorkerEvent,
): TaskUpdate | undefined {
  if (event.attempt !== task.attempt) return undefined;

  const update: TaskUpdate = {};
  const state = stateAfter(task, event);
  if (state !== task.state) update.state = state;

  if (event.type === 'heartbeat') {
    const last = task.heartbeat_time;
    update.heartbeat_time = last && last > event.time ? last : event.time;
  }

  const current = task.attempts[task.attempt - 1];
  if (current) {
    const ended = update.state !== undefined && isTerminal(update.state);
    const next = attemptAfter(current, event, ended);
    if (JSON.stringify(next) !== JSON.stringify(current)) {
      const attempts = [...task.attempts];
      attempts[task.attempt - 1] = next;
      update.attempts = attempts;
    }
  }

  const changed = Object.entries(update).some(
    ([key, value]) =>
      JSON.stringify(value) !== JSON.stringify(task[key as keyof TaskRecord]),
  );
  return changed ? update : undefined;
}
