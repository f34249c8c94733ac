/**
 * The shape of a task document in Firestore. The TES fields are stored as
 * the client sent them; the bookkeeping beside them (owner, attempts,
 * heartbeat) never leaves the service except through the views.
 */
import type { MachineChoice } from './messages';
import type {
  TaskState,
  TesExecutor,
  TesInput,
  TesOutput,
  TesOutputFileLog,
  TesResources,
} from './tes';

/** What one executor did in one attempt, as stored. */
export interface ExecutorRecord {
  start_time?: string;
  end_time?: string;
  exit_code?: number;
  stdout: string;
  stderr: string;
  /** The `seq` of the worker event the tails came from. */
  seq: number;
}

/** One attempt at running the task; becomes one TES task log. */
export interface AttemptRecord {
  start_time?: string;
  end_time?: string;
  /** Keyed by executor index, so that reports can arrive in any order. */
  executors: Record<string, ExecutorRecord>;
  outputs: TesOutputFileLog[];
  /** Keyed by the reporting event's `seq`: a redelivery overwrites itself. */
  systemLogs: Record<string, string>;
  metadata: Record<string, string>;
  /** The machine chosen for this attempt. */
  machine?: MachineChoice;
}

/** A task document. */
export interface TaskRecord {
  id: string;
  owner: string;
  state: TaskState;
  creation_time: string;
  name?: string;
  description?: string;
  inputs: TesInput[];
  outputs: TesOutput[];
  resources?: TesResources;
  executors: TesExecutor[];
  volumes: string[];
  tags: Record<string, string>;
  /** What ListTasks finds the task by (see functions/api/search-terms.ts). */
  terms: string[];
  /** System log lines written at create time, shown in the first log. */
  notes: string[];
  /** The current attempt, 1-based; 0 until the task is first assigned. */
  attempt: number;
  attempts: AttemptRecord[];
  updated_time: string;
  heartbeat_time?: string;
}

/** A fresh, empty attempt record. */
export function newAttempt(machine?: MachineChoice): AttemptRecord {
  const metadata: Record<string, string> = machine
    ? {
        machine_type: machine.machineType,
        zones: machine.zones.join(','),
        preemptible: String(machine.preemptible),
      }
    : {};
  return { executors: {}, outputs: [], systemLogs: {}, metadata, machine };
}
