/**
 * Runs one executor and streams its output: stdout and stderr go to the
 * task's redirect files when it names them, and their tails feed the
 * attempt's report, which the reporter publishes at its own pace however
 * fast the executor writes.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, createWriteStream, type WriteStream } from 'node:fs';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import type { ExecutorReport } from '../shared/messages';
import { LogTail } from './log-tail';
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
  /** Turns the process's exit code into the executor's (driver quirks). */
  exitCode?: (code: number, stderrTail: string) => number;
  /** Stops what killing the process alone would leave running. */
  onAbort?: () => void;
}

/** The part of the reporter an executor feeds. */
export type ExecutorProgress = Pick<
  Reporter,
  'startExecutor' | 'changed' | 'endExecutor'
>;

function pump(
  source: Readable,
  tail: LogTail,
  file: WriteStream | undefined,
  onData: () => void,
) {
  source.on('data', (chunk: Buffer) => {
    tail.append(chunk);
    onData();
    // Backpressure: a program that writes faster than the disk waits.
    if (file && !file.write(chunk)) {
      source.pause();
      file.once('drain', () => source.resume());
    }
  });
}

function toStream(fd: number | undefined): WriteStream | undefined {
  return fd === undefined ? undefined : createWriteStream('', { fd });
}

async function closeStream(stream?: WriteStream): Promise<void> {
  if (!stream) return;
  stream.end();
  await once(stream, 'close');
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
  const child = spawn(proc.file, proc.args, {
    stdio: [proc.stdin ?? 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (proc.stdin !== undefined) closeSync(proc.stdin);

  const start_time = new Date().toISOString();
  const tails = { stdout: new LogTail(), stderr: new LogTail() };
  const files = {
    stdout: toStream(proc.stdout),
    stderr: toStream(proc.stderr),
  };
  const report = (): ExecutorReport => ({
    start_time,
    stdout: tails.stdout.text(),
    stderr: tails.stderr.text(),
  });
  progress.startExecutor(proc.index, report);
  const onData = () => progress.changed();
  pump(child.stdout as Readable, tails.stdout, files.stdout, onData);
  pump(child.stderr as Readable, tails.stderr, files.stderr, onData);

  const kill = () => {
    proc.onAbort?.();
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  };
  signal.addEventListener('abort', kill, { once: true });
  const [code, sig] = (await once(child, 'close')) as [
    number | null,
    NodeJS.Signals | null,
  ];
  signal.removeEventListener('abort', kill);
  await Promise.all([closeStream(files.stdout), closeStream(files.stderr)]);

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
