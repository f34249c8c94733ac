/**
 * tes-worker-launch, subscribed to tes-worker-control. It starts the
 * worker of a newly assigned attempt and stops the worker of a task that
 * is being cancelled or has ended, through the configured compute driver.
 * After a teardown it confirms on tes-worker-events that the worker is
 * gone, which is what ends a CANCELING task. A launch that can never
 * succeed (no zone has capacity) is reported as a lost worker, with the
 * reason, which ends the attempt.
 */

import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Publisher } from '../../shared/cloud';
import { pubsubJson } from '../../shared/event-handler';
import { checkpoint } from '../../shared/faults';
import type { Logger } from '../../shared/logger';
import {
  parseControlMessage,
  type WorkerEvent,
  workerLost,
} from '../../shared/messages';
import type { TaskRecord } from '../../shared/task-record';
import { TASKS_COLLECTION, TOPICS } from '../../shared/topology';
import {
  type ComputeDriver,
  LaunchFailedError,
  type WorkerSpec,
} from './compute-driver';

/**
 * The one Firestore read this function makes: a task document. The real
 * Firestore client satisfies it.
 */
export interface TaskReader {
  collection(name: string): {
    doc(id: string): { get(): Promise<{ data(): unknown }> };
  };
}

/** What the worker-launch function needs. */
export interface WorkerLaunchDeps {
  db: TaskReader;
  publisher: Publisher;
  driver: ComputeDriver;
  logger: Logger;
}

/** Creates the handler for tes-worker-control messages. */
export function createWorkerLaunchHandler(deps: WorkerLaunchDeps) {
  return async (event: CloudEvent<unknown>): Promise<void> => {
    const message = parseControlMessage(pubsubJson(event));
    checkpoint('worker-launch:start');
    const { taskId, attempt } = message;

    if (message.action === 'launch') {
      const snapshot = await deps.db
        .collection(TASKS_COLLECTION)
        .doc(taskId)
        .get();
      const task = snapshot.data() as TaskRecord | undefined;
      // A launch for an attempt that is no longer the one waiting to start
      // is a late duplicate: starting it would run the task twice.
      if (task?.state !== 'INITIALIZING' || task.attempt !== attempt) {
        deps.logger.info('stale launch ignored', { taskId, attempt });
        return;
      }
      await launchOrReportLost(deps, {
        taskId,
        attempt,
        owner: task.owner,
        machine: message.machine,
      });
      checkpoint('worker-launch:launched');
      return;
    }

    if (attempt > 0) await deps.driver.teardown(taskId, attempt);
    checkpoint('worker-launch:torn-down');
    const stopped: WorkerEvent = {
      type: 'worker_stopped',
      taskId,
      attempt,
      seq: 0,
      time: new Date().toISOString(),
      reason: message.reason,
    };
    await deps.publisher.publish(TOPICS.workerEvents, stopped);
    deps.logger.info('worker torn down', {
      taskId,
      attempt,
      reason: message.reason,
    });
  };
}

/**
 * Launches the worker; a launch that can never succeed is reported as a
 * lost worker instead of failing (and being retried) forever.
 */
async function launchOrReportLost(
  deps: WorkerLaunchDeps,
  spec: WorkerSpec,
): Promise<void> {
  try {
    await deps.driver.launch(spec);
  } catch (error) {
    if (!(error instanceof LaunchFailedError)) throw error;

    const lost = workerLost(spec.taskId, spec.attempt, error.message);
    await deps.publisher.publish(TOPICS.workerEvents, lost);
    deps.logger.warn('worker could not be launched', {
      taskId: spec.taskId,
      attempt: spec.attempt,
      error: error.message,
    });
  }
}
