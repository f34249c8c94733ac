/**
 * The shape of a task document in Firestore. The TES fields are stored as
 * the client sent them; the bookkeeping beside them (owner, attempts,
 * heartbeat) never leaves the service except through the views.
 */
import type { AttemptReport, MachineChoice } from './messages';
import type {
  TaskState,
  TesExecutor,
  TesInput,
  TesOutput,
  TesResources,
} from './tes';

/**
 * One attempt at running the task; becomes one TES task log. The worker's
 * latest report, plus what the service itself noted about the attempt.
 */
export interface AttemptRecord {
  /** The worker's latest report, and the `seq` of the event carrying it. */
  report?: AttemptReport;
  seq: number;
  /** When the attempt ended, if the service ended it (cancel, lost worker). */
  end_time?: string;
  /** System log lines from the service (a lost worker, a teardown). */
  notes: string[];
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
  /**
   * The folder each attempt's whole stdout and stderr go to, fixed at
   * creation: the task's logs_url backend parameter, or the service's.
   */
  logs_url?: string;
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
  return { seq: -1, notes: [], metadata, machine };
}
