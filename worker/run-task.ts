/**
 * The worker's pipeline for one task attempt: prepare folders, fetch
 * inputs, run the executors in order, store outputs (and the whole
 * stdout and stderr, when they are kept), report the final state. Every
 * step is reported as it happens.
 */
import { existsSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { TesTask } from '../shared/tes';
import type { ContainerDriver } from './container-driver';
import { fetchInputs } from './inputs';
import { hostPath, type Layout, planLayout } from './layout';
import { storeOutputs } from './outputs';
import type { Reporter } from './reporter';
import { runExecutor } from './run-executor';
import { openRedirect } from './safe-paths';
import { storeFile } from './store-file';

/** What the pipeline needs besides the task. */
export interface RunContext {
  reporter: Reporter;
  /** The host folder of this attempt. */
  attemptDir: string;
  /** Aborted when the task is cancelled: stop, and store nothing. */
  signal: AbortSignal;
  driver: ContainerDriver;
  /** Tells the worker's own log what the task's report cannot carry. */
  warn: (message: string) => void;
  /** Names the attempt's containers. */
  name: string;
  /**
   * The folder (file:// or gs://) this attempt's whole stdout and stderr
   * are stored in; unset, only their tails are kept.
   */
  logsUrl?: string;
}

/** How an attempt ended, as far as the worker is concerned. */
export type Outcome =
  | 'COMPLETE'
  | 'EXECUTOR_ERROR'
  | 'SYSTEM_ERROR'
  | 'ABORTED';

function mapped(layout: Layout, containerPath: string): string {
  const host = hostPath(layout, containerPath);
  if (!host) throw new Error(`${containerPath} is outside every task folder`);
  return host;
}

/** Opens a redirect file of an executor, if it names one. */
function redirect(
  layout: Layout,
  containerPath: string | undefined,
  mode: 'read' | 'write',
): number | undefined {
  if (!containerPath) return undefined;
  if (containerPath === '/dev/null') {
    return openSync('/dev/null', mode === 'read' ? 'r' : 'w');
  }
  return openRedirect(layout.root, mapped(layout, containerPath), mode);
}

/** The host folder of the whole stdout and stderr copies. */
function logsDir(ctx: RunContext): string {
  return path.join(ctx.attemptDir, 'logs');
}

/** Executor `index`'s host copy of `stream`. */
function logCopy(ctx: RunContext, index: number, stream: string): string {
  return path.join(logsDir(ctx), `executor-${index}.${stream}`);
}

async function prepare(layout: Layout, ctx: RunContext): Promise<void> {
  for (const dir of layout.directories) await mkdir(dir, { recursive: true });
  if (ctx.logsUrl) await mkdir(logsDir(ctx), { recursive: true });
}

async function runExecutors(
  task: TesTask,
  layout: Layout,
  ctx: RunContext,
): Promise<Outcome> {
  const network = task.resources?.backend_parameters?.network === 'host';
  const readOnlyFiles = (task.inputs ?? [])
    .filter((i) => i.type !== 'DIRECTORY')
    .map((i) => ({ containerPath: i.path, hostPath: mapped(layout, i.path) }));

  const { driver } = ctx;
  for (const [index, executor] of task.executors.entries()) {
    if (ctx.signal.aborted) return 'ABORTED';
    const name = `${ctx.name}-${index}`;
    const options = {
      network,
      readOnlyFiles,
      resources: task.resources,
      name,
      stdin: executor.stdin !== undefined,
    };
    const exitCode = await runExecutor(
      {
        index,
        ...driver.command(executor, layout, options),
        stdin: redirect(layout, executor.stdin, 'read'),
        stdout: redirect(layout, executor.stdout, 'write'),
        stderr: redirect(layout, executor.stderr, 'write'),
        copies: ctx.logsUrl
          ? {
              stdout: logCopy(ctx, index, 'stdout'),
              stderr: logCopy(ctx, index, 'stderr'),
            }
          : undefined,
        exitCode: driver.exitCode,
        onAbort: () =>
          driver.stop(name).catch((error) => ctx.warn(String(error))),
      },
      ctx.reporter,
      ctx.signal,
    );
    if (ctx.signal.aborted) return 'ABORTED';
    if (exitCode !== 0 && !executor.ignore_error) return 'EXECUTOR_ERROR';
  }
  return 'COMPLETE';
}

/** A path for a log line: quoted when it holds a line break or tab. */
function shown(file: string): string {
  const control = [...file].some((c) => c.charCodeAt(0) < 0x20);
  return control ? JSON.stringify(file) : file;
}

/** Stores the outputs and tells the user what was not stored, and why. */
async function storeTaskOutputs(
  task: TesTask,
  layout: Layout,
  ctx: RunContext,
): Promise<boolean> {
  const stored = await storeOutputs(task.outputs ?? [], layout, ctx.signal);
  for (const { path: file, reason } of stored.skipped) {
    ctx.reporter.systemLog(`output not stored: ${shown(file)} ${reason}`);
  }
  for (const output of stored.missing) {
    ctx.reporter.systemLog(
      `output not found: ${output.path} (nothing stored at ${output.url})`,
    );
  }
  for (const output of stored.empty) {
    ctx.reporter.systemLog(
      `output folder empty: ${output.path} (nothing stored at ${output.url})`,
    );
  }
  if (stored.error) ctx.reporter.systemLog(`output failed: ${stored.error}`);
  ctx.reporter.setOutputs(stored.logs);
  return stored.error === undefined;
}

/**
 * Stores the whole stdout and stderr of every executor that ran under
 * ctx.logsUrl, and names them in the task log's metadata. A failure is
 * told in the system logs; it does not change how the task ended.
 */
async function storeLogs(task: TesTask, ctx: RunContext): Promise<void> {
  const base = ctx.logsUrl?.replace(/\/+$/, '');
  if (!base) return;
  const stored: Record<string, string> = {};
  try {
    for (const index of task.executors.keys()) {
      if (ctx.signal.aborted) break;
      for (const stream of ['stdout', 'stderr']) {
        const copy = logCopy(ctx, index, stream);
        if (!existsSync(copy)) continue;
        const url = `${base}/executor-${index}.${stream}`;
        stored[`executor_${index}_${stream}`] = await storeFile(copy, url);
      }
    }
  } catch (error) {
    ctx.reporter.systemLog(`logs not stored: ${(error as Error).message}`);
  }
  ctx.reporter.addMetadata(stored);
}

/** Runs the attempt and reports everything; returns how it ended. */
export async function runTask(
  task: TesTask,
  ctx: RunContext,
): Promise<Outcome> {
  const { reporter } = ctx;
  const layout = planLayout(task, path.join(ctx.attemptDir, 'fs'));

  // 1. Images, folders and inputs.
  try {
    for (const image of new Set(task.executors.map((e) => e.image))) {
      await ctx.driver.prepare(image);
      reporter.systemLog(ctx.driver.imageNote(image));
    }
  } catch (error) {
    reporter.systemLog(`image failed: ${(error as Error).message}`);
    await reporter.setState('SYSTEM_ERROR');
    return 'SYSTEM_ERROR';
  }
  try {
    await prepare(layout, ctx);
    await fetchInputs(
      task.inputs ?? [],
      (input) => mapped(layout, input.path),
      async (input, { files, bytes, skipped }) => {
        const count = input.type === 'DIRECTORY' ? `${files} files, ` : '';
        reporter.systemLog(
          `input fetched: ${input.url ?? 'content'} -> ${input.path} (${count}${bytes} bytes)`,
        );
        for (const { name, reason } of skipped) {
          reporter.systemLog(
            `input object skipped: ${name} ${reason} ${input.path}`,
          );
        }
      },
    );
  } catch (error) {
    reporter.systemLog(`input failed: ${(error as Error).message}`);
    await reporter.setState('SYSTEM_ERROR');
    return 'SYSTEM_ERROR';
  }
  if (ctx.signal.aborted) return 'ABORTED';

  // 2. Executors, in order.
  await reporter.setState('RUNNING');
  let outcome: Outcome;
  try {
    outcome = await runExecutors(task, layout, ctx);
  } catch (error) {
    reporter.systemLog(`executor could not start: ${(error as Error).message}`);
    outcome = 'SYSTEM_ERROR';
  }
  if (outcome === 'ABORTED' || ctx.signal.aborted) return 'ABORTED';

  // 3. Outputs, even after an executor error: they often explain it.
  if (outcome !== 'SYSTEM_ERROR') {
    try {
      if (!(await storeTaskOutputs(task, layout, ctx)))
        outcome = 'SYSTEM_ERROR';
    } catch (error) {
      reporter.systemLog(`output failed: ${(error as Error).message}`);
      outcome = 'SYSTEM_ERROR';
    }
  }
  if (ctx.signal.aborted) return 'ABORTED';

  // 4. The whole logs, when they are kept; then the final state.
  await storeLogs(task, ctx);
  await reporter.setState(outcome);
  return outcome;
}
