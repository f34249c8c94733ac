/**
 * The TES v1.1 HTTP API: routes each request to its operation and maps
 * every error to its HTTP status in one place.
 */
import type { Request, Response } from '@google-cloud/functions-framework';
import type { Config } from '../../shared/config';
import {
  NotFoundError,
  PayloadTooLargeError,
  ValidationError,
} from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { TASK_STATES, type TaskState, type TaskView } from '../../shared/tes';
import type { IdentityResolver } from './identity';
import { serviceInfo } from './service-info';
import type { ListQuery, TaskStore } from './task-store';
import { validateTaskRequest } from './validate';
import { renderTask } from './views';

/** What the API handler needs. */
export interface ApiDeps {
  config: Config;
  store: TaskStore;
  identity: IdentityResolver;
  logger: Logger;
}

const BASE_PATH = '/ga4gh/tes/v1';
const VIEWS: TaskView[] = ['MINIMAL', 'BASIC', 'FULL'];
const DEFAULT_PAGE_SIZE = 256;
const MAX_PAGE_SIZE = 2047;

class MethodNotAllowedError extends Error {}

function one(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    throw new ValidationError([{ field: name, message: 'must be given once' }]);
  }
  return String(value);
}

function many(req: Request, name: string): string[] {
  const value = req.query[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function viewOf(req: Request): TaskView {
  const view = one(req, 'view') ?? 'MINIMAL';
  if (!VIEWS.includes(view as TaskView)) {
    throw new ValidationError([
      { field: 'view', message: `must be one of ${VIEWS.join(', ')}` },
    ]);
  }
  return view as TaskView;
}

function encodeCursor(cursor: { time: string; id: string }): string {
  return Buffer.from(JSON.stringify([cursor.time, cursor.id])).toString(
    'base64url',
  );
}

function decodeCursor(token: string): { time: string; id: string } {
  try {
    const [time, id] = JSON.parse(Buffer.from(token, 'base64url').toString());
    if (typeof time === 'string' && typeof id === 'string') return { time, id };
  } catch {
    // Falls through to the validation error below.
  }
  throw new ValidationError([
    { field: 'page_token', message: 'is not a token this service issued' },
  ]);
}

function listQuery(req: Request, owner: string): ListQuery {
  const sizeText = one(req, 'page_size');
  const pageSize =
    sizeText === undefined ? DEFAULT_PAGE_SIZE : Number(sizeText);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new ValidationError([
      {
        field: 'page_size',
        message: `must be a whole number from 1 to ${MAX_PAGE_SIZE}`,
      },
    ]);
  }
  const state = one(req, 'state');
  if (state !== undefined && !TASK_STATES.includes(state as TaskState)) {
    throw new ValidationError([
      { field: 'state', message: `must be one of ${TASK_STATES.join(', ')}` },
    ]);
  }
  const keys = many(req, 'tag_key');
  const values = many(req, 'tag_value');
  if (values.length > keys.length) {
    throw new ValidationError([
      { field: 'tag_value', message: 'has more values than tag_key has keys' },
    ]);
  }
  const token = one(req, 'page_token');
  return {
    owner,
    pageSize,
    state: state as TaskState | undefined,
    namePrefix: one(req, 'name_prefix') || undefined,
    tags: keys.map((key, i) => ({ key, value: values[i] ?? '' })),
    cursor: token ? decodeCursor(token) : undefined,
  };
}

function requestBody(req: Request): unknown {
  if (!req.is('application/json')) {
    throw new ValidationError([
      {
        field: 'body',
        message: 'must be JSON (Content-Type: application/json)',
      },
    ]);
  }
  return req.body;
}

async function route(
  deps: ApiDeps,
  req: Request,
  res: Response,
): Promise<void> {
  const path = req.path.includes(BASE_PATH)
    ? req.path.slice(req.path.indexOf(BASE_PATH) + BASE_PATH.length)
    : req.path;
  const owner = deps.identity.ownerOf(req.headers);
  const allow = (method: string) => {
    if (req.method !== method) throw new MethodNotAllowedError(method);
  };

  if (path === '/service-info') {
    allow('GET');
    res.json(serviceInfo(deps.config));
    return;
  }

  if (path === '/tasks' && req.method === 'POST') {
    const request = validateTaskRequest(requestBody(req));
    const notes =
      deps.config.mode === 'local'
        ? [
            'local mode: executors run in a host sandbox; container images are recorded but not pulled',
          ]
        : [];
    const id = await deps.store.create(owner, request, notes);
    deps.logger.info('task created', { taskId: id, owner });
    res.json({ id });
    return;
  }

  if (path === '/tasks') {
    allow('GET');
    const view = viewOf(req);
    const page = await deps.store.list(listQuery(req, owner));
    res.set('Cache-Control', 'no-store');
    res.json({
      tasks: page.tasks.map((t) => renderTask(t, view)),
      next_page_token: page.next ? encodeCursor(page.next) : undefined,
    });
    return;
  }

  const cancel = /^\/tasks\/([^/]+):cancel$/.exec(path);
  if (cancel?.[1]) {
    allow('POST');
    await deps.store.cancel(owner, decodeURIComponent(cancel[1]));
    res.json({});
    return;
  }

  const get = /^\/tasks\/([^/]+)$/.exec(path);
  if (get?.[1]) {
    allow('GET');
    const task = await deps.store.get(owner, decodeURIComponent(get[1]));
    res.set('Cache-Control', 'no-store');
    res.json(renderTask(task, viewOf(req)));
    return;
  }

  throw new NotFoundError(`no such path: ${req.path}`);
}

function sendError(res: Response, status: number, msg: string, extra?: object) {
  res.status(status).json({ msg, status_code: status, ...extra });
}

/** Creates the HTTP function that serves the TES API. */
export function createApiHandler(deps: ApiDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    res.set('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.set('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      res.set('Access-Control-Allow-Headers', 'Authorization, Content-Type');
      res.set('Access-Control-Max-Age', '3600');
      res.status(204).end();
      return;
    }

    try {
      await route(deps, req, res);
    } catch (error) {
      if (error instanceof ValidationError) {
        sendError(res, 400, error.message, { errors: error.problems });
      } else if (error instanceof NotFoundError) {
        sendError(res, 404, error.message);
      } else if (error instanceof MethodNotAllowedError) {
        res.set('Allow', `${error.message}, OPTIONS`);
        sendError(res, 405, `method ${req.method} not allowed here`);
      } else if (error instanceof PayloadTooLargeError) {
        sendError(res, 413, error.message);
      } else {
        deps.logger.error('request failed', {
          path: req.path,
          error: String(error),
        });
        sendError(res, 500, 'internal error');
      }
    }
  };
}
