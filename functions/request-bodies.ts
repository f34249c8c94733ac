/**
 * How the Functions Framework reads request bodies, adjusted. The
 * framework parses every body before a function runs, with a 1 GiB limit,
 * and answers a body it cannot parse with an HTML error page that the
 * function never sees. Installed when the functions are loaded (before the
 * framework builds its server), this wraps the framework's own body
 * parsers so that:
 * - a body is buffered up to MAX_REQUEST_BYTES only;
 * - a parse or size error reaches the function as `req.bodyError`, so the
 *   API can answer it in its own error shape.
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

let installed = false;

/** Wraps the framework's body parsers; safe to call more than once. */
export function installBodyParsing(): void {
  if (installed) return;
  installed = true;
  // The framework's own copy of body-parser, whichever that is.
  const framework = path.dirname(
    require.resolve('@google-cloud/functions-framework'),
  );
  const bodyParser = require(
    require.resolve('body-parser', { paths: [framework] }),
  ) as Record<(typeof PARSERS)[number], ParserFactory>;
  for (const name of PARSERS) bodyParser[name] = wrap(bodyParser[name]);
}
