/**
 * Read-check-write of one task document, as an optimistic transaction: the
 * write carries the read's update time as a precondition, and a write that
 * lost a race is retried on a fresh read. Unlike a locking transaction, a
 * burst of events for one task never waits on a lock (the Firestore
 * emulator's lock timeouts cost seconds each).
 */
import type { DocumentData, Firestore } from '@google-cloud/firestore';
import type { TaskRecord } from './task-record';
import { TASKS_COLLECTION } from './topology';

/** What a change decided: the fields to write (if any) and a result. */
export interface Decision<T> {
  update?: DocumentData;
  result: T;
}

/** How often a write that lost a race is tried again. */
export const MAX_TRIES = 25;

// gRPC FAILED_PRECONDITION: the document changed since it was read.
const FAILED_PRECONDITION = 9;

/** The task changed too often to apply a change; the caller retries later. */
export class ContentionError extends Error {
  override name = 'ContentionError';
}

/**
 * Applies `decide` to the current task document (undefined when there is
 * none) until its update is written against an unchanged document.
 */
export async function updateTask<T>(
  db: Firestore,
  taskId: string,
  decide: (task: TaskRecord | undefined) => Decision<T>,
): Promise<T> {
  const ref = db.collection(TASKS_COLLECTION).doc(taskId);
  for (let tries = 0; tries < MAX_TRIES; tries += 1) {
    const snapshot = await ref.get();
    const decision = decide(snapshot.data() as TaskRecord | undefined);
    if (!decision.update || !snapshot.updateTime) return decision.result;
    try {
      await ref.update(decision.update, {
        lastUpdateTime: snapshot.updateTime,
      });
      return decision.result;
    } catch (error) {
      if ((error as { code?: number }).code !== FAILED_PRECONDITION) {
        throw error;
      }
    }
  }
  throw new ContentionError(`task ${taskId} changed ${MAX_TRIES} times`);
}
