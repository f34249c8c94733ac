/**
 * The GA4GH TES v1.1 data model, as the API speaks it on the wire.
 * Field names follow the specification exactly (snake_case).
 */

/** Every state a task can be in, as the specification names them. */
export const TASK_STATES = [
  'UNKNOWN',
  'QUEUED',
  'INITIALIZING',
  'RUNNING',
  'PAUSED',
  'COMPLETE',
  'EXECUTOR_ERROR',
  'SYSTEM_ERROR',
  'CANCELED',
  'PREEMPTED',
  'CANCELING',
] as const;

/** A task state. */
export type TaskState = (typeof TASK_STATES)[number];

/** Whether an input or output is one file or a whole directory. */
export type FileType = 'FILE' | 'DIRECTORY';

/** A file to place in the container before the executors run. */
export interface TesInput {
  name?: string;
  description?: string;
  url?: string;
  path: string;
  type?: FileType;
  content?: string;
  streamable?: boolean;
}

/** A file or directory to store after the executors ran. */
export interface TesOutput {
  name?: string;
  description?: string;
  url: string;
  path: string;
  path_prefix?: string;
  type?: FileType;
}

/** Whether a path (or one segment) has wildcards: `*`, `?` or `[`. */
export function hasGlob(text: string): boolean {
  return /[*?[]/.test(text);
}

/** The resources a task asks for. */
export interface TesResources {
  cpu_cores?: number;
  preemptible?: boolean;
  ram_gb?: number;
  disk_gb?: number;
  zones?: string[];
  backend_parameters?: Record<string, string>;
  backend_parameters_strict?: boolean;
}

/** One command to run in one container image. */
export interface TesExecutor {
  image: string;
  command: string[];
  workdir?: string;
  stdin?: string;
  stdout?: string;
  stderr?: string;
  env?: Record<string, string>;
  ignore_error?: boolean;
}

/** What happened to one executor in one attempt. */
export interface TesExecutorLog {
  start_time?: string;
  end_time?: string;
  stdout?: string;
  stderr?: string;
  exit_code: number;
}

/** One stored output file. */
export interface TesOutputFileLog {
  url: string;
  path: string;
  size_bytes: string;
}

/** What happened in one attempt at running the task. */
export interface TesTaskLog {
  logs: TesExecutorLog[];
  metadata?: Record<string, string>;
  start_time?: string;
  end_time?: string;
  outputs: TesOutputFileLog[];
  system_logs?: string[];
}

/** A task as a client submits it. */
export interface TesTaskRequest {
  name?: string;
  description?: string;
  inputs?: TesInput[];
  outputs?: TesOutput[];
  resources?: TesResources;
  executors: TesExecutor[];
  volumes?: string[];
  tags?: Record<string, string>;
}

/** A task as the service reports it. */
export interface TesTask extends TesTaskRequest {
  id: string;
  state: TaskState;
  logs?: TesTaskLog[];
  creation_time: string;
}

/** How much of a task GetTask and ListTasks return. */
export type TaskView = 'MINIMAL' | 'BASIC' | 'FULL';
