/**
 * The service's configuration, read once from the environment and checked
 * at start. The same code runs locally and on Google Cloud; only this
 * configuration chooses the drivers.
 */
import os from 'node:os';
import path from 'node:path';

/** Where the service runs: on this machine against emulators, or on GCP. */
export type Mode = 'local' | 'gcp';

/** The validated configuration. */
export interface Config {
  mode: Mode;
  projectId: string;
  /** Which compute driver launches workers. */
  computeDriver: 'local-process' | 'compute-engine';
  /** Local mode: the folder holding each task attempt's files. */
  workDir: string;
  /** Zones tried, in order, for a task that names none. */
  defaultZones: string[];
  /** Seconds between worker heartbeats. */
  heartbeatSeconds: number;
  /** Version reported by service-info. */
  version: string;
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

  return {
    mode,
    projectId,
    computeDriver,
    workDir: path.resolve(
      env.TES_WORK_DIR ?? path.join(os.tmpdir(), 'tes-local', projectId),
    ),
    defaultZones: (env.TES_ZONES ?? 'us-central1-a')
      .split(',')
      .map((z) => z.trim())
      .filter(Boolean),
    heartbeatSeconds: positiveNumber(env, 'TES_HEARTBEAT_SECONDS', 30),
    version: env.TES_VERSION ?? '0.1.0',
  };
}
