/**
 * The narrow interface through which tes-worker-launch starts and stops
 * workers: a Compute Engine VM per task attempt on Google Cloud, a
 * sandboxed OS process locally.
 */
import type { MachineChoice } from '../../shared/messages';

/** One attempt of one task, to be run by one worker. */
export interface WorkerSpec {
  taskId: string;
  attempt: number;
  /** The task's owner, for cost attribution. */
  owner: string;
  machine: MachineChoice;
}

/**
 * A launch that cannot succeed for this attempt, however often it is
 * retried. tes-worker-launch reports the worker lost with the message as
 * the reason, which ends the task as SYSTEM_ERROR.
 */
export class LaunchFailedError extends Error {
  override name = 'LaunchFailedError';
}

/** Starts and stops workers. Both calls are idempotent. */
export interface ComputeDriver {
  /** Starts the worker; does nothing if it already runs. */
  launch(spec: WorkerSpec): Promise<void>;
  /** Stops the worker and waits until it is gone; "already gone" is success. */
  teardown(taskId: string, attempt: number): Promise<void>;
}
