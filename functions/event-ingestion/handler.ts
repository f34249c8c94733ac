/**
 * tes-event-ingestion, subscribed to tes-worker-events. It applies each
 * worker event to its task document in one transaction, through the pure
 * rules of apply-event.ts.
 */

import type { Firestore } from '@google-cloud/firestore';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { pubsubJson } from '../../shared/event-handler';
import type { Logger } from '../../shared/logger';
import { parseWorkerEvent } from '../../shared/messages';
import type { TaskRecord } from '../../shared/task-record';
import { TASKS_COLLECTION } from '../../shared/topology';
import { applyWorkerEvent } from './apply-event';

/** What the ingestion function needs. */
export interface IngestionDeps {
  db: Firestore;
  logger: Logger;
}

/** Creates the handler for tes-worker-events messages. */
export function createIngestionHandler(deps: IngestionDeps) {
  return async (cloudEvent: CloudEvent<unknown>): Promise<void> => {
    const event = parseWorkerEvent(pubsubJson(cloudEvent));
    const ref = deps.db.collection(TASKS_COLLECTION).doc(event.taskId);

    const applied = await deps.db.runTransaction(async (tx) => {
      const task = (await tx.get(ref)).data() as TaskRecord | undefined;
      if (!task) return undefined;
      const update = applyWorkerEvent(task, event);
      if (update) {
        tx.update(ref, { ...update, updated_time: new Date().toISOString() });
      }
      return { from: task.state, to: update?.state };
    });

    if (applied?.to) {
      deps.logger.info('task state changed', {
        taskId: event.taskId,
        attempt: event.attempt,
        from: applied.from,
        to: applied.to,
        cause: event.type,
      });
    }
  };
}
