/**
 * tes-assignment, subscribed to tes-task-assign. It admits a queued task:
 * chooses its machine, opens a new attempt, moves the task to
 * INITIALIZING in one optimistic transaction, and then asks for a launch.
 */

import type { Firestore } from '@google-cloud/firestore';
import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Publisher } from '../../shared/cloud';
import { pubsubJson } from '../../shared/event-handler';
import { checkpoint } from '../../shared/faults';
import type { Logger } from '../../shared/logger';
import { chooseMachine, NoMachineError } from '../../shared/machines';
import {
  type ControlMessage,
  type MachineChoice,
  parseAssignMessage,
} from '../../shared/messages';
import { canTransition } from '../../shared/state-machine';
import {
  type AttemptRecord,
  newAttempt,
  type TaskRecord,
} from '../../shared/task-record';
import { type Decision, updateTask } from '../../shared/task-update';
import { TOPICS } from '../../shared/topology';

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

/** Tail bytes kept of each stream of an attempt that is over. */
const PAST_TAIL_CHARS = 1024;

/**
 * An attempt that is over, made small: the task document must hold the
 * new attempt's logs too (a document is at most 1 MiB).
 */
function compact(attempt: AttemptRecord): AttemptRecord {
  const report = attempt.report;
  if (!report) return attempt;
  return {
    ...attempt,
    report: {
      ...report,
      executors: report.executors.map((e) => ({
        ...e,
        stdout: e.stdout.slice(-PAST_TAIL_CHARS),
        stderr: e.stderr.slice(-PAST_TAIL_CHARS),
      })),
      system_logs: report.system_logs.slice(-20),
      outputs: report.outputs.slice(0, 100),
    },
  };
}

/**
 * What assigning `task` means now: a new attempt and its launch, the same
 * launch again, an end for want of a machine, or nothing.
 */
function decide(
  task: TaskRecord | undefined,
  defaultZones: string[],
): Decision<Launch | undefined> {
  if (!task) return { result: undefined };
  const now = new Date().toISOString();

  // Assigned by an earlier delivery whose launch may not have been
  // published: publish it again (launches are idempotent).
  if (task.state === 'INITIALIZING') {
    const machine = task.attempts[task.attempt - 1]?.machine;
    return { result: machine && { attempt: task.attempt, machine } };
  }
  if (!canTransition(task.state, 'INITIALIZING')) return { result: undefined };

  let machine: MachineChoice;
  try {
    machine = chooseMachine(task.resources, defaultZones);
  } catch (error) {
    if (!(error instanceof NoMachineError)) throw error;
    const notes = [...task.notes, `cannot run: ${error.message}`];
    return {
      update: { state: 'SYSTEM_ERROR', notes, updated_time: now },
      result: undefined,
    };
  }

  const attempt = task.attempt + 1;
  return {
    update: {
      state: 'INITIALIZING',
      attempt,
      attempts: [...task.attempts.map(compact), newAttempt(machine)],
      updated_time: now,
      // The new worker's startup time is measured from here.
      heartbeat_time: now,
    },
    result: { attempt, machine },
  };
}

/** Creates the handler for tes-task-assign messages. */
export function createAssignmentHandler(deps: AssignmentDeps) {
  return async (event: CloudEvent<unknown>): Promise<void> => {
    const { taskId } = parseAssignMessage(pubsubJson(event));
    checkpoint('assignment:start');
    const launch = await updateTask(deps.db, taskId, (task) =>
      decide(task, deps.defaultZones),
    );

    checkpoint('assignment:committed');
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
