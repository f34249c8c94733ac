/**
 * The local compute driver: each task attempt's worker is a separate OS
 * process running the same worker program a VM would run. A worker that
 * dies without being asked to is reported as lost on tes-worker-events.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import type { Publisher } from '../../shared/cloud';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { workerLost } from '../../shared/messages';
import { TOPICS } from '../../shared/topology';
import type { ComputeDriver, WorkerSpec } from './compute-driver';

/** The worker program, relative to this compiled file. */
const WORKER_MAIN = path.join(__dirname, '..', '..', 'worker', 'main.js');

/**
 * How long a worker may take to stop before it is killed outright: room
 * for a Docker executor's kill and retries, and the last report.
 */
const STOP_GRACE_MS = 15_000;

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
  stopping: boolean;
}

/** Environment a worker inherits: only what it needs to reach the emulators. */
const PASSED_ENV = [
  'PATH',
  'FIRESTORE_EMULATOR_HOST',
  'PUBSUB_EMULATOR_HOST',
  'STORAGE_EMULATOR_HOST',
  'TES_TRIGGER_GATEWAY',
  'TES_FUNCTION_URLS',
  'METADATA_SERVER_DETECTION',
  'TES_MODE',
  'TES_PROJECT',
  'TES_WORK_DIR',
  'TES_HEARTBEAT_SECONDS',
  'TES_CONTAINER_DRIVER',
  'TES_LOG_LEVEL',
];

/** Runs workers as local processes. */
export class LocalProcessDriver implements ComputeDriver {
  private readonly workers = new Map<string, Running>();
  // Every attempt ever launched here, running or not: a launch delivered
  // again after its worker finished must not start a second one.
  private readonly launched = new Set<string>();
  private closed = false;

  constructor(
    private readonly config: Config,
    private readonly publisher: Publisher,
    private readonly logger: Logger,
  ) {}

  private key(taskId: string, attempt: number) {
    return `${taskId}/${attempt}`;
  }

  async launch(spec: WorkerSpec): Promise<void> {
    const key = this.key(spec.taskId, spec.attempt);
    if (this.launched.has(key)) return;
    // Stopping: a launch now would outlive the stack (it is redelivered
    // to the next one, which starts the worker).
    if (this.closed) throw new Error('the local stack is stopping');
    this.launched.add(key);

    const dir = path.join(
      this.config.workDir,
      spec.taskId,
      String(spec.attempt),
    );
    mkdirSync(dir, { recursive: true });
    const log = openSync(path.join(dir, 'worker.log'), 'a');
    const env = Object.fromEntries(
      PASSED_ENV.filter((k) => process.env[k] !== undefined).map((k) => [
        k,
        process.env[k],
      ]),
    );
    const child = spawn(
      process.execPath,
      [WORKER_MAIN, '--task', spec.taskId, '--attempt', String(spec.attempt)],
      {
        env: { ...env, TES_PROJECT: this.config.projectId },
        stdio: ['ignore', log, log],
        detached: true,
      },
    );

    const running: Running = {
      child,
      stopping: false,
      exited: new Promise((resolve) => child.once('exit', () => resolve())),
    };
    this.workers.set(key, running);
    child.once('exit', (code, signal) => {
      this.workers.delete(key);
      this.onExit(spec, running, code, signal).catch((error) => {
        this.logger.error('could not report a lost worker', {
          taskId: spec.taskId,
          error: String(error),
        });
      });
    });
    this.logger.info('worker process started', {
      taskId: spec.taskId,
      attempt: spec.attempt,
      pid: child.pid,
    });
  }

  private async onExit(
    spec: WorkerSpec,
    running: Running,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): Promise<void> {
    const fields = { taskId: spec.taskId, attempt: spec.attempt, code, signal };
    if (running.stopping || code === 0) {
      this.logger.info('worker process ended', fields);
      return;
    }
    this.logger.warn('worker process died', fields);
    const reason = `worker process exited with ${signal ?? `code ${code}`}`;
    const event = workerLost(spec.taskId, spec.attempt, reason);
    await this.publisher.publish(TOPICS.workerEvents, event);
  }

  async teardown(taskId: string, attempt: number): Promise<void> {
    const running = this.workers.get(this.key(taskId, attempt));
    if (!running?.child.pid) return;

    running.stopping = true;
    const group = -running.child.pid;
    signalGroup(group, 'SIGTERM');
    // A stopped (frozen) worker only acts on SIGTERM once continued.
    signalGroup(group, 'SIGCONT');
    const timer = setTimeout(
      () => signalGroup(group, 'SIGKILL'),
      STOP_GRACE_MS,
    );
    await running.exited;
    clearTimeout(timer);
    // The sandboxed executors are in the same process group.
    signalGroup(group, 'SIGKILL');
  }

  /** Kills every worker this driver started (used when the stack stops). */
  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.workers.keys()].map((key) => {
        const [taskId, attempt] = key.split('/');
        return this.teardown(taskId as string, Number(attempt));
      }),
    );
  }
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(group, signal);
  } catch {
    // The group is already gone.
  }
}
