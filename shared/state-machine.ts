/**
 * The task state machine: the one place that decides which state changes
 * are legal. Every transaction that changes a task's state asks it first.
 */
import type { TaskState } from './tes';

/** States after which nothing about the task changes any more. */
export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'COMPLETE',
  'EXECUTOR_ERROR',
  'SYSTEM_ERROR',
  'CANCELED',
]);

const ACTIVE_ENDINGS: TaskState[] = [
  'COMPLETE',
  'EXECUTOR_ERROR',
  'SYSTEM_ERROR',
  'CANCELING',
];

// QUEUED is reachable again from a started attempt so that a lost or
// preempted attempt can be retried.
const ALLOWED: Readonly<Record<TaskState, readonly TaskState[]>> = {
  UNKNOWN: [],
  QUEUED: ['INITIALIZING', 'SYSTEM_ERROR', 'CANCELING'],
  INITIALIZING: ['RUNNING', 'QUEUED', ...ACTIVE_ENDINGS],
  RUNNING: ['QUEUED', ...ACTIVE_ENDINGS],
  PAUSED: [],
  PREEMPTED: [],
  CANCELING: ['CANCELED'],
  COMPLETE: [],
  EXECUTOR_ERROR: [],
  SYSTEM_ERROR: [],
  CANCELED: [],
};

/** True when `state` is final. */
export function isTerminal(state: TaskState): boolean {
  return TERMINAL_STATES.has(state);
}

/**
 * True when a task in state `from` may move to `to`. Staying in the same
 * state is not a transition: callers treat it as a duplicate.
 */
export function canTransition(from: TaskState, to: TaskState): boolean {
  return ALLOWED[from].includes(to);
}

/** Every legal transition, for documentation and tests. */
export function allTransitions(): Array<[TaskState, TaskState]> {
  return Object.entries(ALLOWED).flatMap(([from, targets]) =>
    targets.map((to): [TaskState, TaskState] => [from as TaskState, to]),
  );
}
