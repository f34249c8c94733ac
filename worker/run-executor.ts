/**
 * Runs one executor and streams its output: stdout and stderr go to the
 * task's redirect files when it names them, and to whole copies on the
 * host when the task's logs are kept; their tails feed the attempt's
 * report, which the reporter publishes at its own pace however fast the
 * executor writes.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, createWriteStream, type WriteStream } from 'node:fs';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import type { ExecutorReport } from '../shared/messages';
import { LogTail } from './log-tail';
import { watchMemory } from './memory-watch';
import { openOutputPipe } from './output-pipe';
import type { Reporter } from './reporter';

/** One executor's process, ready to run. */
export interface ExecutorProcess {
  index: number;
  file: string;
  args: string[];
  /** Open files of the executor's stdin, stdout and stderr redirects. */
  stdin?: number;
  stdout?: number;
  stderr?: number;
  /** Kill the executor past this many resident bytes (see Command). */
  memoryLimitBytes?: number;
  /** Host files that get a whole copy of stdout and stderr. */
  copies?: { stdout: string; stderr: string };
  /** Turns the process's exit code into the executor's (driver quirks). */
  exitCode?: (code: number, stderrTail: string) => number;
  /** Stops what killing the process alone would leave running. */
  onAbort?: () => Promise<void>;
}

/** The part of the reporter an executor feeds. */
export type ExecutorProgress = Pick<
  Reporter,
  'startExecutor' | 'changed' | 'endExecutor' | 'systemLog'
>;

function pump(
  source: Readable,
  tail: LogTail,
  files: WriteStream[],
  onData: () => void,
) {
  source.on('data', (chunk: Buffer) => {
    tail.append(chunk);
    onData();
    // Backpressure: a program that writes faster than the disk waits
    // until every file has taken the chunk.
    const full = files.filter((file) => !file.write(chunk));
    if (full.length === 0) return;
    source.pause();
    let waiting = full.length;
    for (const file of full) {
      file.once('drain', () => {
        waiting -= 1;
        if (waiting === 0) source.resume();
      });
    }
  });
}

/** The files one stream goes to: a redirect's open file, a copy's path. */
function sinks(
  fd: number | undefined,
  copy: string | undefined,
): WriteStream[] {
  const files: WriteStream[] = [];
  if (fd !== undefined) files.push(createWriteStream('', { fd }));
  if (copy !== undefined) files.push(createWriteStream(copy));
  return files;
}

async function closeAll(streams: WriteStream[]): Promise<void> {
  await Promise.all(
    streams.map(async (stream) => {
      stream.end();
      await once(stream, 'close');
    }),
  );
}

function signalNumber(sig: NodeJS.Signals | null): number {
  return sig ? constants.signals[sig] : 0;
}

/**
 * Runs the executor to its end and returns its exit code (128 + the
 * signal's number when a signal killed it). `signal` kills it early.
 */
export async function runExecutor(
  proc: ExecutorProcess,
  progress: ExecutorProgress,
  signal: AbortSignal,
): Promise<number> {
  const pipes = { stdout: openOutputPipe(), stderr: openOutputPipe() };
  const child = spawn(proc.file, proc.args, {
    stdio: [proc.stdin ?? 'ignore', pipes.stdout.writeFd, pipes.stderr.writeFd],
    detached: true,
  });
  if (proc.stdin !== undefined) closeSync(proc.stdin);
  // Only the child holds the write ends now: its exit ends the streams.
  pipes.stdout.closeWriteEnd();
  pipes.stderr.closeWriteEnd();

  const start_time = new Date().toISOString();
  const tails = { stdout: new LogTail(), stderr: new LogTail() };
  const files = {
    stdout: sinks(proc.stdout, proc.copies?.stdout),
    stderr: sinks(proc.stderr, proc.copies?.stderr),
  };
  const report = (): ExecutorReport => ({
    start_time,
    stdout: tails.stdout.text(),
    stderr: tails.stderr.text(),
  });
  progress.startExecutor(proc.index, report);
  const onData = () => progress.changed();
  pump(pipes.stdout.readable, tails.stdout, files.stdout, onData);
  pump(pipes.stderr.readable, tails.stderr, files.stderr, onData);
  const drained = Promise.all([
    once(pipes.stdout.readable, 'close'),
    once(pipes.stderr.readable, 'close'),
  ]);

  // What the driver does to stop the executor is awaited before the
  // executor counts as ended (a container outlives its client).
  let stopped: Promise<void> | undefined;
  const kill = () => {
    stopped ??= proc.onAbort?.();
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  };
  signal.addEventListener('abort', kill, { once: true });
  const limit = proc.memoryLimitBytes;
  const unwatch =
    limit && child.pid
      ? watchMemory(child.pid, limit, (bytes) => {
          const mib = (n: number) => `${Math.round(n / 2 ** 20)} MiB`;
          progress.systemLog(
            `executor ${proc.index} killed: its processes held ${mib(bytes)}, over the task's ram_gb (${mib(limit)})`,
          );
          kill();
        })
      : undefined;
  const [code, sig] = (await once(child, 'exit')) as [
    number | null,
    NodeJS.Signals | null,
  ];
  // Everything written before the exit is read, even by a process the
  // executor left behind, once every write end is closed.
  await drained;
  await stopped;
  signal.removeEventListener('abort', kill);
  unwatch?.();
  await closeAll([...files.stdout, ...files.stderr]);

  const raw = code ?? 128 + signalNumber(sig);
  const exit_code = proc.exitCode
    ? proc.exitCode(raw, tails.stderr.text())
    : raw;
  progress.endExecutor(proc.index, {
    ...report(),
    end_time: new Date().toISOString(),
    exit_code,
  });
  return exit_code;
}
