/**
 * Starts a whole local stack (every function, wired to the emulators the
 * test runner started) in a child process, in a project of its own, just
 * as `npm start` does, and stops it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './paths';

/** A running stack. */
export interface Stack {
  /** The TES base URL, ending in /ga4gh/tes/v1. */
  url: string;
  projectId: string;
  /** Where the stack keeps its task attempts' folders. */
  workDir: string;
  /** Everything the stack printed so far. */
  output(): string;
  /** How many workers the stack started for a task (one per attempt run). */
  workerRuns(taskId: string): number;
  stop(): Promise<void>;
}

const READY = /TES API ready at (\S+)/;

function waitForReady(
  child: ChildProcess,
  output: () => string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`stack did not start:\n${output()}`)),
      180_000,
    );
    const check = () => {
      const match = READY.exec(output());
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stack exited with ${code}:\n${output()}`));
    });
  });
}

/** Options for a stack. */
export interface StackOptions {
  /** Added to, or overriding, the stack's environment. */
  env?: Record<string, string>;
  /** Reuse a project (and its work folder), as a restarted stack would. */
  projectId?: string;
  workDir?: string;
  /** Start emulators of its own, as `npm start` does, instead of the runner's. */
  ownEmulators?: boolean;
}

/** Starts a stack. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const projectId =
    options.projectId ?? `demo-t${randomBytes(5).toString('hex')}`;
  const workDir =
    options.workDir ?? mkdtempSync(path.join(os.tmpdir(), 'tes-stack-'));
  const inherited = { ...process.env };
  if (options.ownEmulators) {
    delete inherited.FIRESTORE_EMULATOR_HOST;
    delete inherited.PUBSUB_EMULATOR_HOST;
    delete inherited.STORAGE_EMULATOR_HOST;
    delete inherited.TES_TRIGGER_GATEWAY;
  }
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'dist', 'local', 'start.js')],
    {
      env: {
        ...inherited,
        METADATA_SERVER_DETECTION: 'none',
        TES_PROJECT: projectId,
        TES_API_PORT: '0',
        TES_FREE_PORTS: '1',
        TES_WORK_DIR: path.join(workDir, 'work'),
        TES_DATA_DIR: workDir,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const output = () => text;

  let url: string;
  try {
    url = await waitForReady(child, output);
  } catch (error) {
    // A stack that did not come up must not outlive the test.
    child.kill('SIGTERM');
    throw error;
  }
  return {
    url,
    projectId,
    workDir,
    output,
    workerRuns: (taskId) =>
      output()
        .split('\n')
        .filter(
          (l) => l.includes('worker process started') && l.includes(taskId),
        ).length,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
