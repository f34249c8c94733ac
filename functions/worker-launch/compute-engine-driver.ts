/**
 * The production compute driver: one Compute Engine VM per task attempt.
 *
 * A launch looks for the attempt's VM in every candidate zone first, so a
 * redelivered launch finds the VM the first delivery made; otherwise it
 * inserts the VM zone by zone, moving on when a zone is out of capacity or
 * quota, and fails with NoCapacityError when every zone is. Names and
 * request ids are derived from the attempt, so two deliveries racing each
 * other still make one VM. Teardown deletes the VM wherever it is.
 */
import type { WorkerVmConfig } from '../../shared/config';
import type { LogFields, Logger } from '../../shared/logger';
import {
  type ComputeDriver,
  LaunchFailedError,
  type WorkerSpec,
} from './compute-driver';
import type {
  ComputeEngineApi,
  Operation,
  StartedOperation,
} from './compute-engine-api';
import {
  isAlreadyExists,
  isCapacityProblem,
  isNotFound,
  NoCapacityError,
  type Problem,
  problemOfError,
  problemOfOperation,
} from './compute-engine-errors';
import { instanceName, requestId } from './instance-naming';
import { workerInstance } from './worker-instance';
import { SCRIPT_SAFE_ID } from './worker-scripts';

/** What the driver needs. */
export interface ComputeEngineDriverOptions {
  api: ComputeEngineApi;
  projectId: string;
  /**
   * The deployment's zones: where teardown looks for a VM, and where a
   * launch goes when its task names none. Admission keeps every task's
   * zones among these.
   */
  zones: string[];
  vm: WorkerVmConfig;
  heartbeatSeconds: number;
  logger: Logger;
  /**
   * How long one launch or teardown waits for its operations before it
   * fails and lets the message be delivered again (which resumes them).
   * Below the functions' 120-second default timeout.
   */
  operationTimeoutMs?: number;
}

const DEFAULT_OPERATION_TIMEOUT_MS = 90_000;

/** An operation still running when its wait ran out; the call is retried. */
export class OperationTimeoutError extends Error {
  override name = 'OperationTimeoutError';
}

function isOperation(value: unknown): value is Operation {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { name?: unknown }).name === 'string'
  );
}

function operationOf([started]: StartedOperation): Operation {
  if (!isOperation(started.latestResponse)) {
    throw new Error('Compute Engine answered without an operation');
  }
  return started.latestResponse;
}

/** Runs each task attempt's worker on a Compute Engine VM of its own. */
export class ComputeEngineDriver implements ComputeDriver {
  private readonly timeoutMs: number;

  constructor(private readonly options: ComputeEngineDriverOptions) {
    this.timeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  }

  async launch(spec: WorkerSpec): Promise<void> {
    if (!SCRIPT_SAFE_ID.test(spec.taskId)) {
      throw new LaunchFailedError('the task id cannot be passed to a VM');
    }
    const name = instanceName(spec.taskId, spec.attempt);
    const fields = { taskId: spec.taskId, attempt: spec.attempt, name };
    const zones = spec.machine.zones.length
      ? spec.machine.zones
      : this.options.zones;

    const existing = await this.locate(name, zones);
    if (existing.length > 0) {
      this.options.logger.info('worker VM already exists', {
        ...fields,
        zones: existing,
      });
      return;
    }

    const zone = await this.createInFirstZoneWithRoom(spec, zones, fields);
    this.options.logger.info('worker VM created', { ...fields, zone });
  }

  async teardown(taskId: string, attempt: number): Promise<void> {
    const name = instanceName(taskId, attempt);
    const zones = await this.locate(name, this.options.zones);
    const deadline = Date.now() + this.timeoutMs;

    await Promise.all(
      zones.map((zone) => this.remove(name, zone, taskId, attempt, deadline)),
    );
    const fields = { taskId, attempt, name, zones };
    const message = zones.length ? 'worker VM deleted' : 'worker VM gone';
    this.options.logger.info(message, fields);
  }

  /**
   * Tries the zones in order and resolves to the one the VM was created
   * in; throws NoCapacityError, with every zone's refusal, when none had
   * room.
   */
  private async createInFirstZoneWithRoom(
    spec: WorkerSpec,
    zones: string[],
    fields: LogFields,
  ): Promise<string> {
    const deadline = Date.now() + this.timeoutMs;
    const refusals: string[] = [];

    for (const zone of zones) {
      const refusal = await this.insert(spec, zone, deadline);
      if (refusal === undefined) return zone;
      this.options.logger.warn('zone refused the worker VM', {
        ...fields,
        zone,
        refusal,
      });
      refusals.push(`${zone}: ${refusal}`);
    }
    throw new NoCapacityError(
      `no zone could start a ${spec.machine.machineType} VM (${refusals.join('; ')})`,
    );
  }

  /** The zones among `zones` that hold an instance called `name`. */
  private async locate(name: string, zones: string[]): Promise<string[]> {
    const found = await Promise.all(
      zones.map(async (zone) => {
        try {
          const { projectId: project } = this.options;
          await this.options.api.instances.get({
            project,
            zone,
            instance: name,
          });
          return zone;
        } catch (error) {
          if (isNotFound(problemOfError(error))) return undefined;
          throw error;
        }
      }),
    );
    return found.filter((zone): zone is string => zone !== undefined);
  }

  /**
   * Creates the VM in `zone`. Resolves to undefined once it exists, or to
   * the reason the zone had no room for it; throws on anything else.
   */
  private async insert(
    spec: WorkerSpec,
    zone: string,
    deadline: number,
  ): Promise<string | undefined> {
    const { api, projectId, vm, heartbeatSeconds } = this.options;
    const request = {
      project: projectId,
      zone,
      requestId: requestId('insert', spec.taskId, spec.attempt, zone),
      instanceResource: workerInstance(spec, zone, {
        projectId,
        vm,
        heartbeatSeconds,
      }),
    };

    let operation: Operation;
    try {
      operation = operationOf(await api.instances.insert(request));
    } catch (error) {
      return refusalOf(problemOfError(error), error);
    }
    const problem = problemOfOperation(
      await this.finished(zone, operation, deadline),
    );
    return problem && refusalOf(problem, new Error(problem.message));
  }

  /** Deletes the VM from `zone`; "not found" means it is already gone. */
  private async remove(
    name: string,
    zone: string,
    taskId: string,
    attempt: number,
    deadline: number,
  ): Promise<void> {
    const request = {
      project: this.options.projectId,
      zone,
      instance: name,
      requestId: requestId('delete', taskId, attempt, zone),
    };

    let operation: Operation;
    try {
      operation = operationOf(await this.options.api.instances.delete(request));
    } catch (error) {
      if (isNotFound(problemOfError(error))) return;
      throw error;
    }
    const problem = problemOfOperation(
      await this.finished(zone, operation, deadline),
    );
    if (problem && !isNotFound(problem)) {
      throw new Error(`deleting ${name} in ${zone} failed: ${problem.message}`);
    }
  }

  /** Waits until `operation` is done, or throws when `deadline` passes. */
  private async finished(
    zone: string,
    operation: Operation,
    deadline: number,
  ): Promise<Operation> {
    let current = operation;
    while (String(current.status) !== 'DONE') {
      if (Date.now() >= deadline || !current.name) {
        throw new OperationTimeoutError(
          `operation ${current.name} in ${zone} is still running`,
        );
      }
      [current] = await this.options.api.operations.wait({
        project: this.options.projectId,
        zone,
        operation: current.name,
      });
    }
    return current;
  }
}

/**
 * What an insert's problem means: the VM exists (undefined), the zone has
 * no room (the reason), or anything else, which is thrown.
 */
function refusalOf(problem: Problem, cause: unknown): string | undefined {
  if (isAlreadyExists(problem)) return undefined;
  if (isCapacityProblem(problem)) return problem.message;
  throw cause;
}
