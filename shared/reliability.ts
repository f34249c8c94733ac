/**
 * The reliability policy: how many attempts a task gets, and how long each
 * state may last before the maintenance function steps in. Read from the
 * environment as part of the service's configuration.
 */

/** Limits that decide when a task or worker is lost, and what then. */
export interface ReliabilityPolicy {
  /** Attempts a task gets when its workers are lost or preempted. */
  maxAttempts: number;
  /** A worker is alive if it reported within this many seconds. */
  heartbeatTimeoutSeconds: number;
  /** A worker may take this long to report for the first time. */
  startupTimeoutSeconds: number;
  /** A task QUEUED this long is sent for assignment again. */
  queuedTimeoutSeconds: number;
  /** A task CANCELING this long has its teardown asked again. */
  cancelingTimeoutSeconds: number;
}

function number(
  env: NodeJS.ProcessEnv,
  key: string,
  fallback: number,
  problems: string[],
): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    problems.push(`${key} must be a whole number of at least 1, got "${raw}"`);
  }
  return value;
}

/**
 * Reads the policy; `heartbeatSeconds` is how often workers report that
 * they are alive, and `vmStartup` says workers start on new VMs (slower).
 * Returns the problems found instead of throwing, for the caller to report.
 */
export function loadReliabilityPolicy(
  env: NodeJS.ProcessEnv,
  heartbeatSeconds: number,
  vmStartup: boolean,
): { policy: ReliabilityPolicy; problems: string[] } {
  const problems: string[] = [];
  const policy: ReliabilityPolicy = {
    maxAttempts: number(env, 'TES_MAX_ATTEMPTS', 3, problems),
    heartbeatTimeoutSeconds: number(
      env,
      'TES_HEARTBEAT_TIMEOUT_SECONDS',
      3 * heartbeatSeconds,
      problems,
    ),
    // A VM takes up to a minute to boot and pull the worker image.
    startupTimeoutSeconds: number(
      env,
      'TES_STARTUP_TIMEOUT_SECONDS',
      vmStartup ? 600 : 120,
      problems,
    ),
    queuedTimeoutSeconds: number(
      env,
      'TES_QUEUED_TIMEOUT_SECONDS',
      120,
      problems,
    ),
    cancelingTimeoutSeconds: number(
      env,
      'TES_CANCELING_TIMEOUT_SECONDS',
      60,
      problems,
    ),
  };
  return { policy, problems };
}
