/**
 * The pipes an executor writes its stdout and stderr into. Node's own
 * 'pipe' stdio is a socket, which a program cannot reopen by name
 * (`tee /dev/stderr`, `-o /dev/stdout` fail with ENXIO); a FIFO is a real
 * pipe, as in a container, so those work.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A pipe: the worker reads `readable`; the executor gets `writeFd`. */
export interface OutputPipe {
  readable: net.Socket;
  /** Give it to the child, then close it with closeWriteEnd(). */
  writeFd: number;
  closeWriteEnd(): void;
}

/** Opens a new pipe, its name already gone from the file system. */
export function openOutputPipe(): OutputPipe {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tes-pipe-'));
  const fifo = path.join(dir, 'pipe');
  try {
    execFileSync('mkfifo', ['-m', '600', fifo]);
    // The read end first, without blocking: opening the write end then
    // finds a reader and returns at once.
    const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = openSync(fifo, constants.O_WRONLY);
    return {
      readable: new net.Socket({ fd: readFd, readable: true, writable: false }),
      writeFd,
      closeWriteEnd: () => closeSync(writeFd),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
