/**
 * The API's reads and writes of task documents. Creating and cancelling
 * are the only writes the API makes; everything else about a task is
 * written by the event functions.
 */
import { randomUUID } from 'node:crypto';
import { FieldPath, type Firestore } from '@google-cloud/firestore';
import { NotFoundError } from '../../shared/errors';
import { canTransition } from '../../shared/state-machine';
import type { TaskRecord } from '../../shared/task-record';
import type { TaskState, TesTaskRequest } from '../../shared/tes';
import { TASKS_COLLECTION } from '../../shared/topology';

/** The filters and cursor of one ListTasks page. */
export interface ListQuery {
  owner: string;
  pageSize: number;
  cursor?: { time: string; id: string };
  state?: TaskState;
  namePrefix?: string;
  tags: Array<{ key: string; value: string }>;
}

/** One page of tasks, newest first, and the cursor after its last task. */
export interface ListPage {
  tasks: TaskRecord[];
  next?: { time: string; id: string };
}

/** Firestore-backed storage of tasks for the API. */
export class TaskStore {
  constructor(private readonly db: Firestore) {}

  private collection() {
    return this.db.collection(TASKS_COLLECTION);
  }

  /** Stores a new QUEUED task and returns its id. */
  async create(
    owner: string,
    request: TesTaskRequest,
    notes: string[],
  ): Promise<string> {
    const id = randomUUID();
    const now = new Date().toISOString();
    const record: TaskRecord = {
      id,
      owner,
      state: 'QUEUED',
      creation_time: now,
      updated_time: now,
      name: request.name,
      description: request.description,
      inputs: request.inputs ?? [],
      outputs: request.outputs ?? [],
      resources: request.resources,
      executors: request.executors,
      volumes: request.volumes ?? [],
      tags: request.tags ?? {},
      notes,
      attempt: 0,
      attempts: [],
    };
    await this.collection().doc(id).create(record);
    return id;
  }

  /** Reads a task of `owner`; another owner's task does not exist. */
  async get(owner: string, id: string): Promise<TaskRecord> {
    if (id.includes('/') || id === '.' || id === '..') {
      throw new NotFoundError(`task ${id} not found`);
    }
    const snapshot = await this.collection().doc(id).get();
    const task = snapshot.data() as TaskRecord | undefined;
    if (!task || task.owner !== owner) {
      throw new NotFoundError(`task ${id} not found`);
    }
    return task;
  }

  /**
   * Asks a task to stop: QUEUED, INITIALIZING and RUNNING tasks move to
   * CANCELING; a task that already ended, or is already stopping, is left
   * as it is.
   */
  async cancel(owner: string, id: string): Promise<void> {
    await this.get(owner, id);
    const ref = this.collection().doc(id);
    await this.db.runTransaction(async (tx) => {
      const task = (await tx.get(ref)).data() as TaskRecord;
      if (!canTransition(task.state, 'CANCELING')) return;
      tx.update(ref, {
        state: 'CANCELING',
        updated_time: new Date().toISOString(),
      });
    });
  }

  /** Reads one page of the owner's tasks, newest first. */
  async list(query: ListQuery): Promise<ListPage> {
    let q = this.collection().where('owner', '==', query.owner);
    if (query.state) q = q.where('state', '==', query.state);
    for (const tag of query.tags) {
      if (tag.value !== '') {
        q = q.where(new FieldPath('tags', tag.key), '==', tag.value);
      }
    }
    q = q.orderBy('creation_time', 'desc').orderBy('id', 'desc');

    // Limitation: name prefixes and "key present" tag filters are applied
    // to the fetched batches, not by the query itself.
    const matches = (task: TaskRecord) =>
      (!query.namePrefix || (task.name ?? '').startsWith(query.namePrefix)) &&
      query.tags.every((t) => t.value !== '' || t.key in task.tags);

    const tasks: TaskRecord[] = [];
    let batchCursor = query.cursor;
    for (;;) {
      let batch = q.limit(query.pageSize + 1);
      if (batchCursor)
        batch = batch.startAfter(batchCursor.time, batchCursor.id);
      const docs = (await batch.get()).docs.map((d) => d.data() as TaskRecord);
      for (const task of docs) {
        if (tasks.length === query.pageSize) {
          const last = tasks[tasks.length - 1] as TaskRecord;
          return { tasks, next: { time: last.creation_time, id: last.id } };
        }
        if (matches(task)) tasks.push(task);
      }
      if (docs.length <= query.pageSize) return { tasks };
      const last = docs[docs.length - 1] as TaskRecord;
      batchCursor = { time: last.creation_time, id: last.id };
    }
  }
}
