/**
 * Starts and stops the emulators: Firestore and Pub/Sub, which ship with
 * the Google Cloud CLI, and Cloud Storage, from the pinned firebase-tools
 * (see storage-emulator-main.ts). The Firestore emulator is started
 * through its own launcher (not `gcloud emulators`), because only the
 * launcher can name the endpoint that receives document triggers.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A running emulator. */
export interface Emulator {
  name: string;
  /** host:port, as the *_EMULATOR_HOST variables take it. */
  host: string;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'Install the Google Cloud CLI with its emulators, for example on Debian: ' +
  'apt-get install google-cloud-cli google-cloud-cli-firestore-emulator ' +
  'google-cloud-cli-pubsub-emulator default-jre-headless';

/** The missing tool, with what to install. */
export class MissingEmulatorError extends Error {
  override name = 'MissingEmulatorError';
}

function sdkRoot(): string {
  if (process.env.CLOUDSDK_ROOT) return process.env.CLOUDSDK_ROOT;
  try {
    return execFileSync(
      'gcloud',
      ['info', '--format=value(installation.sdk_root)'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    ).trim();
  } catch {
    throw new MissingEmulatorError(`gcloud was not found. ${INSTALL_HINT}`);
  }
}

function launcher(relative: string): string {
  const file = path.join(sdkRoot(), 'platform', relative);
  if (!existsSync(file)) {
    throw new MissingEmulatorError(`${file} is missing. ${INSTALL_HINT}`);
  }
  return file;
}

/** Ready when the root answers 2xx; storage answers its root with 501. */
type Readiness = (response: Response) => boolean;
const answersOk: Readiness = (response) => response.ok;
const answersAtAll: Readiness = () => true;

async function waitUntilReady(
  url: string,
  child: ChildProcess,
  name: string,
  ready: Readiness,
) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(
        `the ${name} emulator exited with code ${child.exitCode}`,
      );
    }
    try {
      const response = await fetch(url);
      if (ready(response)) return;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Error(`the ${name} emulator did not start within 60 s`);
}

/**
 * A watcher that ends the emulator's process group once this process is
 * gone, however it went (a crash, SIGKILL): an emulator left behind would
 * hold its port, and the next start would fail.
 */
function reaper(group: number): ChildProcess {
  // procps' kill: dash's own cannot signal a process group.
  const script =
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; /bin/kill -TERM -- "-$2"';
  const watcher = spawn(
    'sh',
    ['-c', script, 'reaper', String(process.pid), String(group)],
    { detached: true, stdio: 'ignore' },
  );
  watcher.unref();
  return watcher;
}

function stopper(child: ChildProcess): () => Promise<void> {
  const watcher = child.pid ? reaper(child.pid) : undefined;
  return async () => {
    watcher?.kill('SIGKILL');
    if (child.exitCode !== null || !child.pid) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // The launchers are scripts that start a JVM: signal the whole group.
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(
      () => process.kill(-(child.pid as number), 'SIGKILL'),
      10_000,
    );
    await exited;
    clearTimeout(timer);
  };
}

interface Launch {
  name: string;
  file: string;
  args: string[];
  port: number;
  logDir: string;
  env?: NodeJS.ProcessEnv;
  ready?: Readiness;
}

async function start({ name, file, args, port, logDir, env, ready }: Launch) {
  const log = openSync(path.join(logDir, `${name}-emulator.log`), 'a');
  const child = spawn(file, args, {
    stdio: ['ignore', log, log],
    detached: true,
    env: env ?? process.env,
  });
  const stop = stopper(child);
  try {
    await waitUntilReady(
      `http://127.0.0.1:${port}/`,
      child,
      name,
      ready ?? answersOk,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { name, host: `127.0.0.1:${port}`, stop };
}

/** Options for the Firestore emulator. */
export interface FirestoreOptions {
  port: number;
  /** host:port that receives document trigger deliveries. */
  triggerEndpoint: string;
  logDir: string;
  /** An export's metadata file to load at start. */
  importFrom?: string;
}

/** Starts the Firestore emulator. */
export async function startFirestore(
  options: FirestoreOptions,
): Promise<Emulator> {
  const args = [
    'start',
    '--host=127.0.0.1',
    `--port=${options.port}`,
    `--functions_emulator=${options.triggerEndpoint}`,
  ];
  if (options.importFrom) args.push(`--import-data=${options.importFrom}`);
  const file = launcher('cloud-firestore-emulator/cloud_firestore_emulator');
  return start({
    name: 'firestore',
    file,
    args,
    port: options.port,
    logDir: options.logDir,
  });
}

/** Starts the Pub/Sub emulator. */
export async function startPubSub(
  port: number,
  logDir: string,
): Promise<Emulator> {
  const file = launcher('pubsub-emulator/bin/cloud-pubsub-emulator');
  return start({
    name: 'pubsub',
    file,
    args: ['--host=127.0.0.1', `--port=${port}`],
    port,
    logDir,
  });
}

/** Options for the Cloud Storage emulator. */
export interface StorageOptions {
  port: number;
  logDir: string;
  /** The emulator's own files: uploads in progress, object contents. */
  workDir: string;
  /** Load the buckets saved here at start, and save them here at stop. */
  persistDir?: string;
}

/**
 * Starts the Cloud Storage emulator. Its host, unlike the others', has a
 * scheme: `STORAGE_EMULATOR_HOST` takes it so.
 */
export async function startStorage(options: StorageOptions): Promise<Emulator> {
  const main = path.join(__dirname, 'storage-emulator-main.js');
  const args = [main, `--port=${options.port}`];
  if (options.persistDir) {
    args.push(
      `--import=${options.persistDir}`,
      `--export=${options.persistDir}`,
    );
  }
  // The emulator keeps its files under the temporary folder: one each.
  const tmp = path.join(options.workDir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  // Without IS_FIREBASE_CLI, firebase-tools sends no usage statistics.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TMPDIR: tmp,
    XDG_CONFIG_HOME: options.workDir,
  };
  delete env.IS_FIREBASE_CLI;
  const emulator = await start({
    name: 'storage',
    file: process.execPath,
    args,
    port: options.port,
    logDir: options.logDir,
    env,
    ready: answersAtAll,
  });
  return { ...emulator, host: `http://${emulator.host}` };
}
