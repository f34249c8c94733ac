/**
 * Runs one executor and streams its output: stdout and stderr go to the
 * task's redirect files when it names them, and their tails are reported
 * at most once a second for as long as the executor runs, however fast it
 * writes.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  closeSync,
  createWriteStream,
  openSync,
  type WriteStream,
} from 'node:fs';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import type { ExecutorReport } from '../shared/messages';
import { LogTail } from './log-tail';

/** How often tails are published while an executor runs. */
export const TAIL_INTERVAL_MS = 1000;

/** One executor's process, ready to run. */
export interface ExecutorProcess {
  index: number;
  file: string;
  args: string[];
  /** Host paths of the executor's stdin, stdout and stderr redirects. */
  stdin?: string;
  stdout?: string;
  stderr?: string;
}

/** Receives an executor's progress, and its final report. */
export type ReportExecutor = (report: ExecutorReport) => Promise<void>;

function pump(source: Readable, tail: LogTail, file?: WriteStream) {
  source.on('data', (chunk: Buffer) => {
    tail.append(chunk);
    // Backpressure: a program that writes faster than the disk waits.
    if (file && !file.write(chunk)) {
      source.pause();
      file.once('drain', () => source.resume());
    }
  });
}

async function closeStream(stream?: WriteStream): Promise<void> {
  if (!stream) return;
  stream.end();
  await once(stream, 'close');
}

/**
 * Runs the executor to its end and returns its exit code (128 + the
 * signal's number when a signal killed it). `signal` kills it early.
 */
export async function runExecutor(
  proc: ExecutorProcess,
  report: ReportExecutor,
  signal: AbortSignal,
): Promise<number> {
  const stdinFd = proc.stdin ? openSync(proc.stdin, 'r') : 'ignore';
  const child = spawn(proc.file, proc.args, {
    stdio: [stdinFd, 'pipe', 'pipe'],
    detached: true,
  });
  if (typeof stdinFd === 'number') closeSync(stdinFd);

  const start_time = new Date().toISOString();
  const tails = { stdout: new LogTail(), stderr: new LogTail() };
  const files = {
    stdout: proc.stdout ? createWriteStream(proc.stdout) : undefined,
    stderr: proc.stderr ? createWriteStream(proc.stderr) : undefined,
  };
  pump(child.stdout as Readable, tails.stdout, files.stdout);
  pump(child.stderr as Readable, tails.stderr, files.stderr);

  const snapshot = (): ExecutorReport => ({
    index: proc.index,
    start_time,
    stdout: tails.stdout.text(),
    stderr: tails.stderr.text(),
  });

  // Publish only what changed, one report at a time.
  let published = -1;
  let inFlight: Promise<void> = report(snapshot());
  const tick = setInterval(() => {
    const changes = tails.stdout.changes + tails.stderr.changes;
    if (changes === published) return;
    published = changes;
    inFlight = inFlight.then(() => report(snapshot()));
  }, TAIL_INTERVAL_MS);

  const kill = () => {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  };
  signal.addEventListener('abort', kill, { once: true });

  const [code, sig] = (await once(child, 'close')) as [
    number | null,
    NodeJS.Signals | null,
  ];
  clearInterval(tick);
  signal.removeEventListener('abort', kill);
  await Promise.all([
    closeStream(files.stdout),
    closeStream(files.stderr),
    inFlight,
  ]);

  const exit_code = code ?? 128 + signalNumber(sig);
  await report({
    ...snapshot(),
    end_time: new Date().toISOString(),
    exit_code,
  });
  return exit_code;
}

function signalNumber(sig: NodeJS.Signals | null): number {
  return sig ? constants.signals[sig] : 0;
}
