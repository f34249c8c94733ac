/**
 * tes-api, the HTTP function: the TES v1.1 API. It routes each request to
 * its operation and maps every error to its HTTP status in one place.
 */
import type { Request, Response } from '@google-cloud/functions-framework';
import type { Config } from '../../shared/config';
import {
  NotFoundError,
  PayloadTooLargeError,
  ValidationError,
} from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { bodyError } from '../framework-edges';
import { admit } from './admission';
import type { IdentityResolver } from './identity';
import { encodeToken, listQuery, viewOf } from './list-params';
import { serviceInfo } from './service-info';
import type { TaskStore } from './task-store';
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
/** The largest CreateTask body read, in bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;

class MethodNotAllowedError extends Error {}
class UnsupportedMediaTypeError extends Error {}

function requestBody(req: Request): unknown {
  const error = bodyError(req);
  const size = (req as Request & { rawBody?: Buffer }).rawBody?.length ?? 0;
  if (error?.type === 'entity.too.large' || size > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(
      `request bodies are limited to ${MAX_BODY_BYTES} bytes`,
    );
  }
  if (!req.is('application/json') || error?.type === 'charset.unsupported') {
    throw new UnsupportedMediaTypeError(
      'the body must be JSON, sent as Content-Type: application/json',
    );
  }
  if (error) {
    throw new ValidationError([
      { field: 'body', message: `is not valid JSON: ${error.message}` },
    ]);
  }
  return req.body;
}

async function route(
  deps: ApiDeps,
  req: Request,
  res: Response,
): Promise<void> {
  const at = req.path.indexOf(BASE_PATH);
  const path = at >= 0 ? req.path.slice(at + BASE_PATH.length) : req.path;
  const owner = deps.identity.ownerOf(req.headers);
  const allow = (...methods: string[]) => {
    if (!methods.includes(req.method))
      throw new MethodNotAllowedError(methods.join(', '));
  };

  if (path === '/service-info') {
    allow('GET');
    res.json(serviceInfo(deps.config));
    return;
  }

  if (path === '/tasks') {
    allow('GET', 'POST');
    if (req.method === 'POST') {
      const admitted = admit(validateTaskRequest(requestBody(req)), {
        zones: deps.config.defaultZones,
      });
      const id = await deps.store.create(
        owner,
        admitted.request,
        admitted.notes,
        deps.config.logsUrl,
      );
      deps.logger.info('task created', { taskId: id, owner });
      res.json({ id });
      return;
    }
    const view = viewOf(req);
    const page = await deps.store.list(listQuery(req, owner));
    res.set('Cache-Control', 'no-store');
    res.json({
      tasks: page.tasks.map((t) => renderTask(t, view)),
      next_page_token: page.next ? encodeToken(page.next) : undefined,
    });
    return;
  }

  const match = /^\/tasks\/([^/]+?)(:cancel)?$/.exec(path);
  if (match?.[1]) {
    const id = match[1];
    if (match[2]) {
      allow('POST');
      await deps.store.cancel(owner, id);
      deps.logger.info('task cancel requested', { taskId: id, owner });
      res.json({});
      return;
    }
    allow('GET');
    const view = viewOf(req);
    const task = await deps.store.get(owner, id);
    res.set('Cache-Control', 'no-store');
    res.json(renderTask(task, view));
    return;
  }

  throw new NotFoundError(`no such path: ${req.path}`);
}

function statusOf(error: unknown): number {
  if (error instanceof ValidationError) return 400;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof MethodNotAllowedError) return 405;
  if (error instanceof PayloadTooLargeError) return 413;
  if (error instanceof UnsupportedMediaTypeError) return 415;
  return 500;
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
      const status = statusOf(error);
      if (status === 500) {
        deps.logger.error('request failed', {
          path: req.path,
          error: String(error),
        });
      }
      if (error instanceof MethodNotAllowedError)
        res.set('Allow', `${error.message}, OPTIONS`);
      const msg = status === 500 ? 'internal error' : (error as Error).message;
      const errors =
        error instanceof ValidationError ? error.problems : undefined;
      res.status(status).json({ msg, status_code: status, errors });
    }
  };
}
