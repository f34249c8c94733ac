/**
 * The edges of the Functions Framework, adjusted. The framework parses
 * every body before a function runs, with a 1 GiB limit, and answers what
 * it cannot parse or route (a malformed body, a path that does not decode)
 * with an HTML error page the function never sees. Installed when the
 * functions are loaded (before the framework builds its server), this:
 * - buffers a body up to MAX_REQUEST_BYTES only;
 * - hands a body that could not be read to the function as
 *   `req.bodyError`, so the API answers it in its own error shape;
 * - answers any other request the framework fails in that same JSON shape.
 */
import path from 'node:path';
import type { Request } from '@google-cloud/functions-framework';

/** The largest request body any function reads (a Pub/Sub push is <10 MB). */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** A body the framework could not read, as the function sees it. */
export interface BodyError {
  /** 'entity.parse.failed', 'entity.too.large', 'charset.unsupported', ... */
  type: string;
  message: string;
}

type Next = (error?: unknown) => void;
type Middleware = (req: Request, res: unknown, next: Next) => void;
type ParserFactory = (options?: Record<string, unknown>) => Middleware;

const PARSERS = ['json', 'text', 'raw', 'urlencoded'] as const;

/** The body error of a request, if its body could not be read. */
export function bodyError(req: Request): BodyError | undefined {
  return (req as Request & { bodyError?: BodyError }).bodyError;
}

function wrap(factory: ParserFactory): ParserFactory {
  return (options = {}) => {
    const parse = factory({ ...options, limit: MAX_REQUEST_BYTES });
    return (req, res, next) => {
      parse(req, res, (error?: unknown) => {
        const type = (error as { type?: unknown } | undefined)?.type;
        if (!error || typeof type !== 'string') {
          next(error);
          return;
        }
        const target = req as Request & { bodyError?: BodyError };
        target.bodyError = { type, message: (error as Error).message };
        req.body = undefined;
        next();
      });
    };
  };
}

type Handle = (req: unknown, res: unknown, done?: unknown) => unknown;

/** The last resort for a request the framework failed: a JSON answer. */
function jsonFallback(res: {
  headersSent: boolean;
  statusCode: number;
  setHeader(name: string, value: string): void;
  end(body: string): void;
}) {
  return (error?: { status?: number; statusCode?: number }) => {
    if (res.headersSent) return;
    const status = error ? (error.status ?? error.statusCode ?? 500) : 404;
    const msg =
      status >= 500
        ? 'internal error'
        : error
          ? 'the request could not be read (malformed path or body)'
          : 'no such path';
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ msg, status_code: status }));
  };
}

let installed = false;

/** Adjusts the framework's edges; safe to call more than once. */
export function installFrameworkEdges(): void {
  if (installed) return;
  installed = true;
  // The framework's own copies of body-parser and express.
  const framework = path.dirname(
    require.resolve('@google-cloud/functions-framework'),
  );
  const load = (name: string) =>
    require(require.resolve(name, { paths: [framework] }));

  const bodyParser = load('body-parser') as Record<
    (typeof PARSERS)[number],
    ParserFactory
  >;
  for (const name of PARSERS) bodyParser[name] = wrap(bodyParser[name]);

  // Each app copies this method when it is created, so the framework's
  // server, built after the functions load, gets the JSON fallback.
  const application = load('express').application as { handle: Handle };
  const handle = application.handle;
  application.handle = function (this: unknown, req, res, done) {
    const fallback = jsonFallback(res as Parameters<typeof jsonFallback>[0]);
    return handle.call(this, req, res, done ?? fallback);
  };
}
