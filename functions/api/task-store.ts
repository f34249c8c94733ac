/**
 * The API's reads and writes of task documents. Creating and cancelling
 * are the only writes the API makes; everything else about a task is
 * written by the event functions.
 */
import { randomUUID } from 'node:crypto';
import type { Firestore, Query } from '@google-cloud/firestore';
import { NotFoundError } from '../../shared/errors';
import { canTransition } from '../../shared/state-machine';
import type { TaskRecord } from '../../shared/task-record';
import { updateTask } from '../../shared/task-update';
import type { TaskState, TesTaskRequest } from '../../shared/tes';
import { TASKS_COLLECTION } from '../../shared/topology';
import {
  MAX_PREFIX_CHARS,
  matches,
  queryTerm,
  type TagFilter,
  taskTerms,
} from './search-terms';

/** A position in the newest-first order of tasks. */
export interface Cursor {
  time: string;
  id: string;
}

/** The filters and cursor of one ListTasks page. */
export interface ListQuery {
  owner: string;
  pageSize: number;
  cursor?: Cursor;
  state?: TaskState;
  namePrefix?: string;
  tags: TagFilter[];
  /** Read only the fields of the MINIMAL view (and those filters need). */
  minimal: boolean;
}

/** One page of tasks, newest first, and where the next page starts. */
export interface ListPage {
  tasks: TaskRecord[];
  next?: Cursor;
}

/**
 * How many tasks one list request may read while filters the index did
 * not apply reject them; past this it answers a shorter page and a token.
 */
export const SCAN_BUDGET = 2000;

const MINIMAL_FIELDS = ['id', 'state', 'creation_time', 'name', 'tags'];

function cursorOf(task: TaskRecord): Cursor {
  return { time: task.creation_time, id: task.id };
}

/** The document of a new QUEUED task, created now. */
export function newTaskRecord(
  owner: string,
  request: TesTaskRequest,
  notes: string[],
  logsUrl?: string,
): TaskRecord {
  const now = new Date().toISOString();
  const tags = request.tags ?? {};
  return {
    id: randomUUID(),
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
    tags,
    terms: taskTerms(request.name, tags),
    notes,
    attempt: 0,
    attempts: [],
    logs_url: request.resources?.backend_parameters?.logs_url ?? logsUrl,
  };
}

/**
 * Whether `id` can name a task: Firestore document ids are at most 1500
 * bytes, without "/", neither "." nor "..", nor __reserved__.
 */
function isTaskId(id: string): boolean {
  return (
    id !== '.' &&
    id !== '..' &&
    !id.includes('/') &&
    !/^__.*__$/.test(id) &&
    Buffer.byteLength(id) <= 1500
  );
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
    logsUrl?: string,
  ): Promise<string> {
    const record = newTaskRecord(owner, request, notes, logsUrl);
    await this.collection().doc(record.id).create(record);
    return record.id;
  }

  /** Reads a task of `owner`; another owner's task does not exist. */
  async get(owner: string, id: string): Promise<TaskRecord> {
    const snapshot = isTaskId(id)
      ? await this.collection().doc(id).get()
      : undefined;
    const task = snapshot?.data() as TaskRecord | undefined;
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
    const found =
      isTaskId(id) &&
      (await updateTask(this.db, id, (task) => {
        if (!task || task.owner !== owner) return { result: false };
        const update = canTransition(task.state, 'CANCELING')
          ? { state: 'CANCELING', updated_time: new Date().toISOString() }
          : undefined;
        return { update, result: true };
      }));
    if (!found) throw new NotFoundError(`task ${id} not found`);
  }

  private listQuery(query: ListQuery): { q: Query; exact: boolean } {
    let q: Query = this.collection().where('owner', '==', query.owner);
    if (query.state) q = q.where('state', '==', query.state);
    const term = queryTerm(query.namePrefix, query.tags);
    if (term) q = q.where('terms', 'array-contains', term);
    q = q.orderBy('creation_time', 'desc').orderBy('id', 'desc');
    if (query.minimal) q = q.select(...MINIMAL_FIELDS);

    const filters = query.tags.length + (query.namePrefix ? 1 : 0);
    const longPrefix = [...(query.namePrefix ?? '')].length > MAX_PREFIX_CHARS;
    return { q, exact: filters <= 1 && !longPrefix };
  }

  /**
   * Reads one page of the owner's tasks, newest first. The index answers
   * the owner, the state and one name or tag filter; other filters are
   * checked on what it returns, for at most SCAN_BUDGET tasks a request.
   */
  async list(query: ListQuery): Promise<ListPage> {
    const { q, exact } = this.listQuery(query);
    const tasks: TaskRecord[] = [];
    let position = query.cursor;
    let scanned = 0;

    for (;;) {
      const wanted = query.pageSize - tasks.length + 1;
      const limit = exact ? wanted : Math.max(wanted, 200);
      const batch = position ? q.startAfter(position.time, position.id) : q;
      const docs = (await batch.limit(limit).get()).docs;

      for (const doc of docs) {
        const task = doc.data() as TaskRecord;
        if (tasks.length === query.pageSize) {
          return {
            tasks,
            next: cursorOf(tasks[tasks.length - 1] as TaskRecord),
          };
        }
        scanned += 1;
        position = cursorOf(task);
        if (matches(task, query.namePrefix, query.tags)) tasks.push(task);
      }
      if (docs.length < limit) return { tasks };
      if (scanned >= SCAN_BUDGET) return { tasks, next: position };
    }
  }
}
