/**
 * The query parameters of ListTasks and GetTask, checked, and the opaque
 * page token.
 */
import type { Request } from '@google-cloud/functions-framework';
import { ValidationError } from '../../shared/errors';
import { TASK_STATES, type TaskState, type TaskView } from '../../shared/tes';
import type { Cursor, ListQuery } from './task-store';

const VIEWS: TaskView[] = ['MINIMAL', 'BASIC', 'FULL'];
/** Tasks a page holds when the client does not say. */
export const DEFAULT_PAGE_SIZE = 256;
/** The largest page: the specification asks for less than 2048. */
export const MAX_PAGE_SIZE = 2047;
/**
 * The most tasks a FULL page holds, whatever page_size asks: a task may
 * take nearly 1 MiB with its logs, and one answer must not take gigabytes.
 * A shorter page with a next_page_token is what the specification allows.
 */
export const MAX_FULL_PAGE_SIZE = 32;

function invalid(field: string, message: string): ValidationError {
  return new ValidationError([{ field, message }]);
}

function one(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(name, 'must be given once');
  return value;
}

function many(req: Request, name: string): string[] {
  const value = req.query[name];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v) => typeof v === 'string')) {
    throw invalid(name, 'must be a list of strings');
  }
  return list as string[];
}

/** The `view` parameter; MINIMAL when absent. */
export function viewOf(req: Request): TaskView {
  const view = one(req, 'view') ?? 'MINIMAL';
  if (!VIEWS.includes(view as TaskView)) {
    throw invalid('view', `must be one of ${VIEWS.join(', ')}`);
  }
  return view as TaskView;
}

/** Encodes a cursor as an opaque page token. */
export function encodeToken(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.time, cursor.id])).toString(
    'base64url',
  );
}

function decodeToken(token: string): Cursor {
  try {
    const [time, id] = JSON.parse(Buffer.from(token, 'base64url').toString());
    if (typeof time === 'string' && typeof id === 'string') return { time, id };
  } catch {
    // Answered as invalid below.
  }
  throw invalid('page_token', 'is not a token this service issued');
}

function pageSize(req: Request): number {
  const text = one(req, 'page_size');
  if (text === undefined) return DEFAULT_PAGE_SIZE;
  const size = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(size >= 1 && size <= MAX_PAGE_SIZE)) {
    throw invalid(
      'page_size',
      `must be a whole number from 1 to ${MAX_PAGE_SIZE}`,
    );
  }
  return size;
}

/** The ListTasks query of a request by `owner`. */
export function listQuery(req: Request, owner: string): ListQuery {
  const state = one(req, 'state');
  if (state !== undefined && !TASK_STATES.includes(state as TaskState)) {
    throw invalid('state', `must be one of ${TASK_STATES.join(', ')}`);
  }
  const keys = many(req, 'tag_key');
  const values = many(req, 'tag_value');
  if (values.length > keys.length) {
    throw invalid('tag_value', 'has more values than there are tag_key keys');
  }
  const token = one(req, 'page_token');
  return {
    owner,
    pageSize:
      viewOf(req) === 'FULL'
        ? Math.min(pageSize(req), MAX_FULL_PAGE_SIZE)
        : pageSize(req),
    state: state as TaskState | undefined,
    namePrefix: one(req, 'name_prefix') || undefined,
    tags: keys.map((key, i) => ({ key, value: values[i] ?? '' })),
    cursor: token ? decodeToken(token) : undefined,
    minimal: viewOf(req) === 'MINIMAL',
  };
}
