/**
 * tes-event-ingestion, subscribed to tes-worker-events. It applies each
 * worker event to its task document, through the pure rules of
 * apply-event.ts, in an optimistic transaction.
 */

import type { Firestore } from '@google-cloud/firestore';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { pubsubJson } from '../../shared/event-handler';
import { checkpoint } from '../../shared/faults';
import type { Logger } from '../../shared/logger';
import { parseWorkerEvent } from '../../shared/messages';
import { updateTask } from '../../shared/task-update';
import { applyWorkerEvent } from './apply-event';

/** What the ingestion function needs. */
export interface IngestionDeps {
  db: Firestore;
  logger: Logger;
  /** Attempts a task gets when its workers are lost. */
  maxAttempts: number;
}

/** Creates the handler for tes-worker-events messages. */
export function createIngestionHandler(deps: IngestionDeps) {
  return async (cloudEvent: CloudEvent<unknown>): Promise<void> => {
    const event = parseWorkerEvent(pubsubJson(cloudEvent));
    checkpoint('event-ingestion:start');

    const change = await updateTask(deps.db, event.taskId, (task) => {
      const update = task && applyWorkerEvent(task, event, deps.maxAttempts);
      if (!task || !update) return { result: undefined };
      return {
        update: { ...update, updated_time: new Date().toISOString() },
        result: { from: task.state, to: update.state },
      };
    });

    checkpoint('event-ingestion:committed');
    if (change?.to) {
      deps.logger.info('task state changed', {
        taskId: event.taskId,
        attempt: event.attempt,
        from: change.from,
        to: change.to,
        cause: event.type,
      });
    }
  };
}
