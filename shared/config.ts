/**
 * The service's configuration, read once from the environment and checked
 * at start. The same code runs locally and on Google Cloud; only this
 * configuration chooses the drivers.
 */
import os from 'node:os';
import path from 'node:path';
import { loadReliabilityPolicy, type ReliabilityPolicy } from './reliability';
import { OUTPUT_SCHEMES, urlProblem } from './storage-url';

/** Where the service runs: on this machine against emulators, or on GCP. */
export type Mode = 'local' | 'gcp';

/** The validated configuration. */
export interface Config {
  mode: Mode;
  projectId: string;
  /** Which compute driver launches workers. */
  computeDriver: 'local-process' | 'compute-engine';
  /** How workers run executors: a host sandbox, or each in its image. */
  containerDriver: 'bubblewrap' | 'docker';
  /** Local mode: the folder holding each task attempt's files. */
  workDir: string;
  /** Zones tried, in order, for a task that names none. */
  defaultZones: string[];
  /** Seconds between worker heartbeats. */
  heartbeatSeconds: number;
  /** Version reported by service-info. */
  version: string;
  /** Attempts and timeouts: when a task or worker counts as lost. */
  reliability: ReliabilityPolicy;
  /**
   * Where every task's whole stdout and stderr are stored unless it names
   * a place (backend parameter logs_url); unset, only tasks that ask.
   */
  logsUrl?: string;
}

/**
 * How worker VMs are built, needed only where the Compute Engine driver
 * launches them (read by loadWorkerVmConfig).
 */
export interface WorkerVmConfig {
  /** The dedicated identity every worker VM runs as. */
  serviceAccount: string;
  /** The worker's container image, built from this repository. */
  image: string;
  /** The boot disk image: one with Docker (Container-Optimized OS). */
  bootImage: string;
  /** VPC network; the project's `default` network when unset. */
  network?: string;
  /** Subnetwork, needed on custom-mode networks. */
  subnetwork?: string;
  /** Whether VMs get an external IP (without one, the subnet needs NAT). */
  externalIp: boolean;
}

/** A configuration problem found at start. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function positiveNumber(env: NodeJS.ProcessEnv, key: string, def: number) {
  const raw = env[key];
  if (raw === undefined || raw === '') return def;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`${key} must be a positive number, got "${raw}"`);
  }
  return value;
}

/** Reads and validates the configuration from `env`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const mode = (env.TES_MODE ?? 'local') as Mode;
  if (mode !== 'local' && mode !== 'gcp') {
    throw new ConfigError(`TES_MODE must be "local" or "gcp", got "${mode}"`);
  }

  const projectId = env.TES_PROJECT ?? env.GOOGLE_CLOUD_PROJECT;
  if (!projectId) {
    throw new ConfigError('TES_PROJECT (or GOOGLE_CLOUD_PROJECT) is not set');
  }
  if (mode === 'local' && !projectId.startsWith('demo-')) {
    throw new ConfigError(
      `local mode needs a project id starting with "demo-", got "${projectId}"`,
    );
  }

  const defaultDriver = mode === 'local' ? 'local-process' : 'compute-engine';
  const computeDriver = env.TES_COMPUTE_DRIVER ?? defaultDriver;
  if (computeDriver !== 'local-process' && computeDriver !== 'compute-engine') {
    throw new ConfigError(
      `TES_COMPUTE_DRIVER must be "local-process" or "compute-engine", got "${computeDriver}"`,
    );
  }

  const containerDriver =
    env.TES_CONTAINER_DRIVER ?? (mode === 'local' ? 'bubblewrap' : 'docker');
  if (containerDriver !== 'bubblewrap' && containerDriver !== 'docker') {
    throw new ConfigError(
      `TES_CONTAINER_DRIVER must be "bubblewrap" or "docker", got "${containerDriver}"`,
    );
  }
  const heartbeatSeconds = positiveNumber(env, 'TES_HEARTBEAT_SECONDS', 30);
  if (mode === 'local' && computeDriver === 'compute-engine') {
    throw new ConfigError(
      'TES_COMPUTE_DRIVER=compute-engine needs TES_MODE=gcp: local mode has no Compute Engine',
    );
  }

  return {
    mode,
    projectId,
    computeDriver,
    containerDriver,
    workDir: path.resolve(
      env.TES_WORK_DIR ?? path.join(os.tmpdir(), 'tes-local', projectId),
    ),
    defaultZones: (env.TES_ZONES ?? 'us-central1-a')
      .split(',')
      .map((z) => z.trim())
      .filter(Boolean),
    heartbeatSeconds,
    version: env.TES_VERSION ?? '0.1.0',
    reliability: reliabilityPolicy(env, heartbeatSeconds, computeDriver),
    logsUrl: logsUrl(env),
  };
}

function logsUrl(env: NodeJS.ProcessEnv): string | undefined {
  const value = optional(env, 'TES_LOGS_URL');
  if (value === undefined) return undefined;
  const problem = urlProblem(value, OUTPUT_SCHEMES);
  if (problem) throw new ConfigError(`TES_LOGS_URL ${problem}`);
  return value;
}

function reliabilityPolicy(
  env: NodeJS.ProcessEnv,
  heartbeatSeconds: number,
  computeDriver: string,
): ReliabilityPolicy {
  const vms = computeDriver === 'compute-engine';
  const { policy, problems } = loadReliabilityPolicy(
    env,
    heartbeatSeconds,
    vms,
  );
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  return policy;
}

/** Container-Optimized OS ships Docker, which runs the worker image. */
const DEFAULT_BOOT_IMAGE = 'projects/cos-cloud/global/images/family/cos-stable';

const SERVICE_ACCOUNT = /^[^@\s]+@[^@\s]+\.gserviceaccount\.com$/;

function optional(env: NodeJS.ProcessEnv, key: string): string | undefined {
  const value = env[key]?.trim();
  return value ? value : undefined;
}

function required(env: NodeJS.ProcessEnv, key: string, what: string): string {
  const value = optional(env, key);
  if (!value) {
    throw new ConfigError(
      `${key} is not set: the Compute Engine driver needs ${what}`,
    );
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, key: string, def: boolean): boolean {
  const raw = optional(env, key);
  if (raw === undefined) return def;
  if (raw !== 'true' && raw !== 'false') {
    throw new ConfigError(`${key} must be "true" or "false", got "${raw}"`);
  }
  return raw === 'true';
}

/**
 * Reads and validates the worker VM settings. Called at start by the
 * functions when the Compute Engine driver is selected; the worker itself
 * never needs them.
 */
export function loadWorkerVmConfig(
  env: NodeJS.ProcessEnv = process.env,
): WorkerVmConfig {
  const serviceAccount = required(
    env,
    'TES_WORKER_SERVICE_ACCOUNT',
    'the email of the service account worker VMs run as',
  );
  if (!SERVICE_ACCOUNT.test(serviceAccount)) {
    throw new ConfigError(
      `TES_WORKER_SERVICE_ACCOUNT must be a service account email (NAME@PROJECT.iam.gserviceaccount.com), got "${serviceAccount}"`,
    );
  }

  return {
    serviceAccount,
    image: required(
      env,
      'TES_WORKER_IMAGE',
      'the container image of the worker (for example REGION-docker.pkg.dev/PROJECT/tes/worker:TAG)',
    ),
    bootImage: optional(env, 'TES_WORKER_BOOT_IMAGE') ?? DEFAULT_BOOT_IMAGE,
    network: optional(env, 'TES_WORKER_NETWORK'),
    subnetwork: optional(env, 'TES_WORKER_SUBNETWORK'),
    externalIp: flag(env, 'TES_WORKER_EXTERNAL_IP', true),
  };
}
