/**
 * The messages carried by each topic. Publishers build them with these
 * types; subscribers parse them with the functions below, which reject a
 * malformed message as permanent (it would fail the same way every time).
 */
import { PermanentError } from './errors';
import type { TaskState, TesOutputFileLog } from './tes';

/** The machine chosen for a task attempt. */
export interface MachineChoice {
  machineType: string;
  zones: string[];
  preemptible: boolean;
  cpuCores: number;
  ramGb: number;
  diskGb: number;
}

/** On `tes-task-assign`: a queued task needs a machine. */
export interface AssignMessage {
  taskId: string;
}

/** On `tes-worker-control`: start or stop the worker of an attempt. */
export type ControlMessage =
  | {
      action: 'launch';
      taskId: string;
      attempt: number;
      machine: MachineChoice;
    }
  | { action: 'teardown'; taskId: string; attempt: number; reason: string };

/** States a worker may report. */
export type ReportedState = Extract<
  TaskState,
  'INITIALIZING' | 'RUNNING' | 'COMPLETE' | 'EXECUTOR_ERROR' | 'SYSTEM_ERROR'
>;

/** What one executor has done so far in an attempt. */
export interface ExecutorReport {
  start_time?: string;
  end_time?: string;
  exit_code?: number;
  stdout: string;
  stderr: string;
}

/**
 * Everything an attempt has done so far, as its worker sees it. Each
 * report replaces the one before, so the latest one the ingestion function
 * has seen is the whole truth, whichever reports were lost to reordering.
 */
export interface AttemptReport {
  state: ReportedState;
  start_time: string;
  end_time?: string;
  /** One entry for each executor that started, in order. */
  executors: ExecutorReport[];
  outputs: TesOutputFileLog[];
  system_logs: string[];
  /** For the task log's metadata: where the whole stdout and stderr are. */
  metadata?: Record<string, string>;
}

/** The body of a worker event, by type. */
export type WorkerEventBody =
  | { type: 'report'; report: AttemptReport }
  | { type: 'heartbeat' }
  | { type: 'worker_stopped'; reason: string }
  | { type: 'worker_lost'; reason: string };

/**
 * On `tes-worker-events`: one thing a worker (or the compute driver)
 * reports. `seq` grows with every event a worker sends, so the ingestion
 * function can tell newer reports from older ones that arrive late.
 */
export type WorkerEvent = {
  taskId: string;
  attempt: number;
  seq: number;
  time: string;
} & WorkerEventBody;

/**
 * A `worker_lost` event: what the compute driver, the launcher and the
 * maintenance pass publish when a worker is gone without a final report.
 */
export function workerLost(
  taskId: string,
  attempt: number,
  reason: string,
  time = new Date(),
): WorkerEvent {
  return {
    type: 'worker_lost',
    taskId,
    attempt,
    seq: 0,
    time: time.toISOString(),
    reason,
  };
}

const REPORTED_STATES = new Set([
  'INITIALIZING',
  'RUNNING',
  'COMPLETE',
  'EXECUTOR_ERROR',
  'SYSTEM_ERROR',
]);
const EVENT_TYPES = new Set([
  'report',
  'heartbeat',
  'worker_stopped',
  'worker_lost',
]);

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PermanentError(`${what} is not an object`);
  }
  return value as Json;
}

function text(obj: Json, key: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value === '') {
    throw new PermanentError(`${key} must be a non-empty string`);
  }
  return value;
}

function count(obj: Json, key: string): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new PermanentError(`${key} must be a whole number`);
  }
  return value;
}

/** Parses a `tes-task-assign` message. */
export function parseAssignMessage(data: unknown): AssignMessage {
  const obj = object(data, 'assign message');
  return { taskId: text(obj, 'taskId') };
}

/** Parses a `tes-worker-control` message. */
export function parseControlMessage(data: unknown): ControlMessage {
  const obj = object(data, 'control message');
  const base = { taskId: text(obj, 'taskId'), attempt: count(obj, 'attempt') };
  if (obj.action === 'launch') {
    const machine = object(obj.machine, 'machine') as unknown as MachineChoice;
    return { action: 'launch', ...base, machine };
  }
  if (obj.action === 'teardown') {
    return { action: 'teardown', ...base, reason: text(obj, 'reason') };
  }
  throw new PermanentError(`unknown control action ${String(obj.action)}`);
}

/** Parses a `tes-worker-events` message. */
export function parseWorkerEvent(data: unknown): WorkerEvent {
  const obj = object(data, 'worker event');
  text(obj, 'taskId');
  count(obj, 'attempt');
  count(obj, 'seq');
  text(obj, 'time');
  if (!EVENT_TYPES.has(String(obj.type))) {
    throw new PermanentError(`unknown worker event type ${String(obj.type)}`);
  }
  if (obj.type === 'report') {
    const report = object(obj.report, 'report');
    if (!REPORTED_STATES.has(String(report.state))) {
      throw new PermanentError(
        `a worker cannot report state ${String(report.state)}`,
      );
    }
    for (const key of ['executors', 'outputs', 'system_logs']) {
      if (!Array.isArray(report[key])) {
        throw new PermanentError(`report.${key} must be an array`);
      }
    }
  }
  return obj as unknown as WorkerEvent;
}
