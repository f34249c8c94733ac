/**
 * The worker's pipeline for one task attempt: prepare folders, fetch
 * inputs, run the executors in order, store outputs, report the final
 * state. Every step is reported as it happens.
 */
import { openSync } from 'node:fs';
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

/** What the pipeline needs besides the task. */
export interface RunContext {
  reporter: Reporter;
  /** The host folder of this attempt. */
  attemptDir: string;
  /** Aborted when the task is cancelled: stop, and store nothing. */
  signal: AbortSignal;
  driver: ContainerDriver;
  /** Names the attempt's containers. */
  name: string;
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

async function prepare(layout: Layout): Promise<void> {
  for (const dir of layout.directories) await mkdir(dir, { recursive: true });
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
        exitCode: driver.exitCode,
        onAbort: () => {
          driver.stop(name).catch(() => undefined);
        },
      },
      ctx.reporter,
      ctx.signal,
    );
    if (ctx.signal.aborted) return 'ABORTED';
    if (exitCode !== 0 && !executor.ignore_error) return 'EXECUTOR_ERROR';
  }
  return 'COMPLETE';
}

async function storeTaskOutputs(
  task: TesTask,
  layout: Layout,
  ctx: RunContext,
) {
  const stored = await storeOutputs(task.outputs ?? [], layout);
  for (const link of stored.links) {
    ctx.reporter.systemLog(`output not stored: ${link} is a symbolic link`);
  }
  for (const output of stored.missing) {
    ctx.reporter.systemLog(
      `output not found: ${output.path} (nothing stored at ${output.url})`,
    );
  }
  ctx.reporter.setOutputs(stored.logs);
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
    await prepare(layout);
    await fetchInputs(
      task.inputs ?? [],
      (input) => mapped(layout, input.path),
      async (input, { files, bytes, skipped }) => {
        const count = input.type === 'DIRECTORY' ? `${files} files, ` : '';
        reporter.systemLog(
          `input fetched: ${input.url ?? 'content'} -> ${input.path} (${count}${bytes} bytes)`,
        );
        for (const name of skipped) {
          reporter.systemLog(
            `input object skipped: ${name} is not a path below ${input.path}`,
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
      await storeTaskOutputs(task, layout, ctx);
    } catch (error) {
      reporter.systemLog(`output failed: ${(error as Error).message}`);
      outcome = 'SYSTEM_ERROR';
    }
  }

  // 4. The final state.
  await reporter.setState(outcome);
  return outcome;
}
