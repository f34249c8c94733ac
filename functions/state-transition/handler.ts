/**
 * tes-state-transition, triggered by every write to a task document.
 * It reacts to the task's state, not to the write: a task that became
 * QUEUED is sent for assignment, and a task that is being cancelled or
 * has ended has its worker torn down. Every reaction is a publish that
 * the receiving function treats idempotently, so a redelivered event is
 * harmless.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Publisher } from '../../shared/cloud';
import { decodeDocumentEvent } from '../../shared/document-event';
import { PermanentError } from '../../shared/errors';
import { checkpoint } from '../../shared/faults';
import type { Logger } from '../../shared/logger';
import type { AssignMessage, ControlMessage } from '../../shared/messages';
import { isTerminal } from '../../shared/state-machine';
import type { TaskState } from '../../shared/tes';
import { TOPICS } from '../../shared/topology';

/** What the state-transition function needs. */
export interface StateTransitionDeps {
  publisher: Publisher;
  logger: Logger;
}

function eventBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  throw new PermanentError('the document event has no protobuf body');
}

/** Creates the handler for task document events. */
export function createStateTransitionHandler(deps: StateTransitionDeps) {
  return async (event: CloudEvent<unknown>): Promise<void> => {
    const change = decodeDocumentEvent(eventBytes(event.data));
    if (!change.after) return;
    checkpoint('state-transition:start');

    const taskId = String(change.after.fields.id);
    const state = change.after.fields.state as TaskState;
    const previous = change.before?.fields.state as TaskState | undefined;
    const attempt = Number(change.after.fields.attempt ?? 0);
    if (state === previous) return;

    const fields = { taskId, attempt, from: previous, to: state };
    if (state === 'QUEUED') {
      // Back in the queue after a lost attempt: that worker goes first.
      if (attempt > 0) await teardown(deps, taskId, attempt, 'retried');
      const message: AssignMessage = { taskId };
      await deps.publisher.publish(TOPICS.taskAssign, message);
      checkpoint('state-transition:published');
      deps.logger.info('task sent for assignment', fields);
      return;
    }

    // A task cancelled before it was ever assigned has no worker, but the
    // teardown still runs: its confirmation is what ends CANCELING.
    const ending = state === 'CANCELING' || isTerminal(state);
    const alreadyTornDown = previous === 'CANCELING';
    if (ending && !alreadyTornDown) {
      const reason = state === 'CANCELING' ? 'canceled' : 'finished';
      await teardown(deps, taskId, attempt, reason);
      checkpoint('state-transition:published');
      deps.logger.info('worker teardown requested', fields);
    }
  };
}

async function teardown(
  deps: StateTransitionDeps,
  taskId: string,
  attempt: number,
  reason: string,
): Promise<void> {
  const message: ControlMessage = {
    action: 'teardown',
    taskId,
    attempt,
    reason,
  };
  await deps.publisher.publish(TOPICS.workerControl, message);
}
