/**
 * tes-maintenance, subscribed to tes-maintenance (a Cloud Scheduler tick
 * in production, a timer in local mode). Each pass looks for what the
 * event flow alone cannot see, and sets it on its way again through the
 * same topics as everything else:
 * - a worker that stopped showing signs of life: reported as lost, so
 *   that ingestion retries the task or ends it;
 * - a task QUEUED for too long (an assignment lost): assigned again;
 * - a task CANCELING for too long (a teardown lost): torn down again.
 */

import type { Firestore } from '@google-cloud/firestore';
import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Publisher } from '../../shared/cloud';
import type { Logger } from '../../shared/logger';
import {
  type AssignMessage,
  type ControlMessage,
  workerLost,
} from '../../shared/messages';
import type { ReliabilityPolicy } from '../../shared/reliability';
import type { TaskRecord } from '../../shared/task-record';
import type { TaskState } from '../../shared/tes';
import { TASKS_COLLECTION, TOPICS } from '../../shared/topology';

/** What the maintenance function needs. */
export interface MaintenanceDeps {
  db: Firestore;
  publisher: Publisher;
  logger: Logger;
  policy: ReliabilityPolicy;
  now?: () => number;
}

/** The most tasks of one kind a pass handles; the next pass does the rest. */
export const PASS_LIMIT = 500;

/** What one pass did. */
export interface PassSummary {
  lost: number;
  requeued: number;
  reteardown: number;
}

async function overdue(
  deps: MaintenanceDeps,
  state: TaskState,
  field: 'heartbeat_time' | 'updated_time',
  seconds: number,
): Promise<TaskRecord[]> {
  const now = deps.now?.() ?? Date.now();
  const cutoff = new Date(now - seconds * 1000).toISOString();
  const snapshot = await deps.db
    .collection(TASKS_COLLECTION)
    .where('state', '==', state)
    .where(field, '<', cutoff)
    .limit(PASS_LIMIT)
    .get();
  return snapshot.docs.map((d) => d.data() as TaskRecord);
}

async function reportLost(deps: MaintenanceDeps, task: TaskRecord) {
  const now = deps.now?.() ?? Date.now();
  const last = Date.parse(task.heartbeat_time ?? task.updated_time);
  const silent = Math.round((now - last) / 1000);
  const reason = `no sign of life from the worker for ${silent} s`;
  const event = workerLost(task.id, task.attempt, reason, new Date(now));
  await deps.publisher.publish(TOPICS.workerEvents, event);
}

/** Runs one maintenance pass. */
export async function maintain(deps: MaintenanceDeps): Promise<PassSummary> {
  const { policy, publisher } = deps;
  const summary: PassSummary = { lost: 0, requeued: 0, reteardown: 0 };

  const silent = [
    ...(await overdue(
      deps,
      'INITIALIZING',
      'heartbeat_time',
      policy.startupTimeoutSeconds,
    )),
    ...(await overdue(
      deps,
      'RUNNING',
      'heartbeat_time',
      policy.heartbeatTimeoutSeconds,
    )),
  ];
  for (const task of silent) {
    await reportLost(deps, task);
    summary.lost += 1;
  }

  for (const task of await overdue(
    deps,
    'QUEUED',
    'updated_time',
    policy.queuedTimeoutSeconds,
  )) {
    const message: AssignMessage = { taskId: task.id };
    await publisher.publish(TOPICS.taskAssign, message);
    summary.requeued += 1;
  }

  for (const task of await overdue(
    deps,
    'CANCELING',
    'updated_time',
    policy.cancelingTimeoutSeconds,
  )) {
    const message: ControlMessage = {
      action: 'teardown',
      taskId: task.id,
      attempt: task.attempt,
      reason: 'canceled',
    };
    await publisher.publish(TOPICS.workerControl, message);
    summary.reteardown += 1;
  }
  return summary;
}

/** Creates the handler for tes-maintenance ticks. */
export function createMaintenanceHandler(deps: MaintenanceDeps) {
  return async (_event: CloudEvent<unknown>): Promise<void> => {
    const summary = await maintain(deps);
    if (summary.lost + summary.requeued + summary.reteardown > 0) {
      deps.logger.info('maintenance pass acted', { ...summary });
    }
  };
}
