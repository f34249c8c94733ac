/**
 * How an executor's command becomes a process: the one interface behind
 * which the worker's container drivers sit. Locally the executor runs in
 * a bubblewrap sandbox with the host's programs; on a VM, in its image
 * with Docker.
 */
import type { TesExecutor, TesResources } from '../shared/tes';
import type { Layout } from './layout';

/** What every executor of a task is run with. */
export interface RunOptions {
  /** Executors may reach the network (backend parameter network=host). */
  network: boolean;
  /** Input files mounted read-only over their writable folders. */
  readOnlyFiles: Array<{ hostPath: string; containerPath: string }>;
  resources?: TesResources;
  /** Names the executor's container, where the driver names them. */
  name: string;
  /** The executor reads its stdin from a redirect file. */
  stdin: boolean;
}

/** A process to start for one executor. */
export interface Command {
  file: string;
  args: string[];
  /**
   * A memory limit the driver cannot hold itself: the worker watches the
   * process's tree and kills it past this many resident bytes.
   */
  memoryLimitBytes?: number;
}

/** Turns executors into processes. */
export interface ContainerDriver {
  /** Prepares an image once per task (pull it); a failure is a system error. */
  prepare(image: string): Promise<void>;
  /** The process that runs `executor` (its argv is never given to a shell). */
  command(executor: TesExecutor, layout: Layout, options: RunOptions): Command;
  /** The executor's exit code from the process's and its stderr tail. */
  exitCode(code: number, stderrTail: string): number;
  /** Stops an executor whose process alone cannot be killed (a container). */
  stop(name: string): Promise<void>;
  /** What the user should know about the image, for the system logs. */
  imageNote(image: string): string;
}
