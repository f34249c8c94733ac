/**
 * The container driver of a VM: each executor runs in its own image with
 * Docker, with the task's folders mounted at their container paths. The
 * command line is built here and passed to `docker` as an argv: nothing
 * of the task ever passes through a shell.
 */
import { execFile, spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { TesExecutor } from '../shared/tes';
import type { Command, ContainerDriver, RunOptions } from './container-driver';
import type { Layout } from './layout';

const run = promisify(execFile);

/** The Docker client. */
export const DOCKER = 'docker';

/** How often an image pull is tried before the task fails. */
const PULL_TRIES = 3;

/**
 * How often `docker kill` is tried, how far apart, and for how long: at
 * most 11 s in all, within the 15 s a worker is given to stop.
 */
const KILL_TRIES = 3;
const KILL_RETRY_MS = 1000;
const KILL_TIMEOUT_MS = 3000;

/** What `docker kill` says of a container that is no longer running. */
const GONE = /No such container|is not running/;

/** The `docker run` argv for an executor. */
export function dockerRunArgs(
  executor: TesExecutor,
  layout: Layout,
  options: RunOptions,
): string[] {
  const args = ['run', '--rm', '--name', options.name];
  if (options.stdin) args.push('--interactive');
  args.push('--network', options.network ? 'host' : 'none');
  for (const mount of layout.mounts) {
    args.push('--volume', `${mount.hostPath}:${mount.containerPath}`);
  }
  for (const file of options.readOnlyFiles) {
    args.push('--volume', `${file.hostPath}:${file.containerPath}:ro`);
  }
  const { cpu_cores: cores, ram_gb: ram } = options.resources ?? {};
  if (cores) args.push('--cpus', String(cores));
  if (ram) args.push('--memory', `${Math.ceil(ram * 1024)}m`);
  if (executor.workdir) args.push('--workdir', executor.workdir);
  for (const [key, value] of Object.entries(executor.env ?? {})) {
    args.push('--env', `${key}=${value}`);
  }
  return [...args, executor.image, ...executor.command];
}

/** Runs executors with Docker. */
export const dockerDriver: ContainerDriver = {
  async prepare(image) {
    let failure: unknown;
    for (let tries = 0; tries < PULL_TRIES; tries += 1) {
      try {
        await run(DOCKER, ['pull', image]);
        return;
      } catch (error) {
        failure = error;
      }
    }
    const detail = (failure as { stderr?: string }).stderr?.trim();
    throw new Error(
      `image ${image} could not be pulled: ${detail || String(failure)}`,
    );
  },
  command: (
    executor: TesExecutor,
    layout: Layout,
    options: RunOptions,
  ): Command => ({
    file: DOCKER,
    args: dockerRunArgs(executor, layout, options),
  }),
  // docker run answers with the container's own exit code.
  exitCode: (code) => code,
  async stop(name) {
    // Killing the client leaves the container running: kill it by name.
    // A daemon too busy to answer is asked again; a container already
    // gone is stopped.
    let failure = '';
    for (let tries = 0; tries < KILL_TRIES; tries += 1) {
      if (tries > 0) await delay(KILL_RETRY_MS);
      const result = await runApart(['kill', name], KILL_TIMEOUT_MS);
      if (result.ok || GONE.test(result.detail)) return;
      failure = result.detail;
    }
    throw new Error(`container ${name} could not be killed: ${failure}`);
  },
  imageNote: (image) => `image ${image} run with Docker`,
};

/**
 * Runs `docker ARGS` in a process group of its own, out of reach of the
 * signals that stop this worker, which could otherwise end it halfway.
 */
function runApart(
  args: string[],
  timeoutMs: number,
): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const child = spawn(DOCKER, args, {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      stderr = (stderr + text).slice(-1000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, detail: error.message });
    });
    // 'exit', not 'close': a helper that keeps stderr open must not hold
    // the worker.
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const ended = signal ?? `exit code ${code}`;
      resolve({ ok: code === 0, detail: stderr.trim() || ended });
    });
  });
}
