/**
 * The service's topology in one place: every function, what triggers it,
 * and every topic and collection. Local wiring and the Terraform module
 * are both checked against this manifest.
 */

/** Firestore collection holding one document per task. */
export const TASKS_COLLECTION = 'tasks';

/** Pub/Sub topics, by role. */
export const TOPICS = {
  /** New or re-queued tasks waiting for a machine. */
  taskAssign: 'tes-task-assign',
  /** Launch and teardown commands for workers. */
  workerControl: 'tes-worker-control',
  /** Everything workers (and the compute driver) report. */
  workerEvents: 'tes-worker-events',
  /** A tick, every minute or so, that starts a maintenance pass. */
  maintenance: 'tes-maintenance',
} as const;

/** A topic's name. */
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** What starts a function. */
export type Trigger =
  | { kind: 'http' }
  | { kind: 'topic'; topic: TopicName }
  | {
      kind: 'document';
      eventType: 'google.cloud.firestore.document.v1.written';
      document: string;
    };

/** One deployed function. */
export interface FunctionSpec {
  /** The name it is registered and deployed under (its entry point). */
  name: string;
  /** The folder under `functions/` that holds its code. */
  folder: string;
  trigger: Trigger;
  /** Topics it publishes to. */
  publishes: TopicName[];
  description: string;
}

/** Every function of the service. */
export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    name: 'tes-api',
    folder: 'api',
    trigger: { kind: 'http' },
    publishes: [],
    description: 'Serves the TES v1.1 API and stores tasks in Firestore.',
  },
  {
    name: 'tes-state-transition',
    folder: 'state-transition',
    trigger: {
      kind: 'document',
      eventType: 'google.cloud.firestore.document.v1.written',
      document: `${TASKS_COLLECTION}/{taskId}`,
    },
    publishes: [TOPICS.taskAssign, TOPICS.workerControl],
    description: 'Reacts to task state changes: queues work, asks teardown.',
  },
  {
    name: 'tes-assignment',
    folder: 'assignment',
    trigger: { kind: 'topic', topic: TOPICS.taskAssign },
    publishes: [TOPICS.workerControl],
    description: 'Admits a queued task, chooses its machine, asks a launch.',
  },
  {
    name: 'tes-worker-launch',
    folder: 'worker-launch',
    trigger: { kind: 'topic', topic: TOPICS.workerControl },
    publishes: [TOPICS.workerEvents],
    description: 'Starts and stops the worker of a task attempt.',
  },
  {
    name: 'tes-event-ingestion',
    folder: 'event-ingestion',
    trigger: { kind: 'topic', topic: TOPICS.workerEvents },
    publishes: [],
    description: 'Applies worker events to the task document.',
  },
  {
    name: 'tes-maintenance',
    folder: 'maintenance',
    trigger: { kind: 'topic', topic: TOPICS.maintenance },
    publishes: [TOPICS.taskAssign, TOPICS.workerControl, TOPICS.workerEvents],
    description:
      'Finds lost workers and stalled tasks, and sets each on its way again.',
  },
];

/** Looks a function up by name; throws if the manifest has no such one. */
export function functionSpec(name: string): FunctionSpec {
  const spec = FUNCTIONS.find((f) => f.name === name);
  if (!spec) {
    throw new Error(`no function named ${name} in the manifest`);
  }
  return spec;
}
