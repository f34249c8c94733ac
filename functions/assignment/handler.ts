/**
 * tes-assignment, subscribed to tes-task-assign. It admits a queued task:
 * chooses its machine, opens a new attempt, moves the task to
 * INITIALIZING in one transaction, and then asks for a launch.
 */

import type { Firestore } from '@google-cloud/firestore';
import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Publisher } from '../../shared/cloud';
import { pubsubJson } from '../../shared/event-handler';
import type { Logger } from '../../shared/logger';
import { chooseMachine, NoMachineError } from '../../shared/machines';
import {
  type ControlMessage,
  type MachineChoice,
  parseAssignMessage,
} from '../../shared/messages';
import { canTransition } from '../../shared/state-machine';
import { newAttempt, type TaskRecord } from '../../shared/task-record';
import { TASKS_COLLECTION, TOPICS } from '../../shared/topology';

/** What the assignment function needs. */
export interface AssignmentDeps {
  db: Firestore;
  publisher: Publisher;
  logger: Logger;
  defaultZones: string[];
}

/** The launch to publish once the transaction has committed. */
interface Launch {
  attempt: number;
  machine: MachineChoice;
}

/** Creates the handler for tes-task-assign messages. */
export function createAssignmentHandler(deps: AssignmentDeps) {
  return async (event: CloudEvent<unknown>): Promise<void> => {
    const { taskId } = parseAssignMessage(pubsubJson(event));
    const ref = deps.db.collection(TASKS_COLLECTION).doc(taskId);

    const launch = await deps.db.runTransaction<Launch | undefined>(
      async (tx) => {
        const task = (await tx.get(ref)).data() as TaskRecord | undefined;
        if (!task) return undefined;
        const now = new Date().toISOString();

        // Assigned by an earlier delivery whose launch may not have been
        // published: publish it again (launches are idempotent).
        if (task.state === 'INITIALIZING') {
          const machine = task.attempts[task.attempt - 1]?.machine;
          return machine ? { attempt: task.attempt, machine } : undefined;
        }
        if (!canTransition(task.state, 'INITIALIZING')) return undefined;

        let machine: MachineChoice;
        try {
          machine = chooseMachine(task.resources, deps.defaultZones);
        } catch (error) {
          if (!(error instanceof NoMachineError)) throw error;
          tx.update(ref, {
            state: 'SYSTEM_ERROR',
            notes: [...task.notes, `cannot run: ${error.message}`],
            updated_time: now,
          });
          return undefined;
        }

        const attempt = task.attempt + 1;
        tx.update(ref, {
          state: 'INITIALIZING',
          attempt,
          attempts: [...task.attempts, newAttempt(machine)],
          updated_time: now,
        });
        return { attempt, machine };
      },
    );

    if (!launch) return;
    const message: ControlMessage = { action: 'launch', taskId, ...launch };
    await deps.publisher.publish(TOPICS.workerControl, message);
    deps.logger.info('task assigned', {
      taskId,
      attempt: launch.attempt,
      machineType: launch.machine.machineType,
    });
  };
}
