/**
 * How the worker VM driver reads Compute Engine failures. They arrive two
 * ways: as an error thrown by a call, or as a finished operation that
 * carries error codes such as ZONE_RESOURCE_POOL_EXHAUSTED. Both are
 * reduced to one Problem.
 *
 * A thrown error's shape depends on the transport version: google-gax 5's
 * REST transport passes on the HTTP client's error, whose `code` is the
 * HTTP status and whose message is the API's JSON error body; other
 * versions give a gRPC status number and the parsed message. Both are
 * read here, so that the driver does not depend on which one it gets.
 */
import { LaunchFailedError } from './compute-driver';
import type { Operation } from './compute-engine-api';

/** Every zone tried was out of capacity or quota. */
export class NoCapacityError extends LaunchFailedError {
  override name = 'NoCapacityError';
}

/** A failure reduced to its codes and its message. */
export interface Problem {
  codes: string[];
  message: string;
}

const NOT_FOUND = 'RESOURCE_NOT_FOUND';
const ALREADY_EXISTS = 'RESOURCE_ALREADY_EXISTS';

/** gRPC status numbers, as the parsing transport reports them. */
const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;
const GRPC_ABORTED = 10;

/** Out of capacity or quota: another zone may still have room. */
const CAPACITY_CODES = new Set([
  'ZONE_RESOURCE_POOL_EXHAUSTED',
  'ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS',
  'QUOTA_EXCEEDED',
  'RESOURCE_QUOTA_EXCEEDED',
  'quotaExceeded',
  'insufficientCapacity',
]);

/** Refusals whose body carries no reason are known by their wording. */
const CAPACITY_MESSAGE =
  /does not have enough resources|ZONE_RESOURCE_POOL_EXHAUSTED|quota '[^']*' exceeded|insufficient capacity/i;

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

/** The `error` object of an API error body left in a message, if any. */
function errorBody(message: string): Fields | undefined {
  try {
    const parsed: unknown = JSON.parse(message);
    return isFields(parsed) && isFields(parsed.error) ? parsed.error : {};
  } catch {
    return undefined;
  }
}

/** Reasons of the legacy `errors` list and of ErrorInfo `details`. */
function reasonsIn(body: Fields | undefined): string[] {
  const lists = [body?.errors, body?.details].filter(Array.isArray);
  return lists
    .flat()
    .map((item: unknown) => (isFields(item) ? text(item.reason) : undefined))
    .filter((reason): reason is string => reason !== undefined);
}

/** The Problem of an error thrown by a Compute Engine call. */
export function problemOfError(error: unknown): Problem {
  const fields = isFields(error) ? error : {};
  const raw = text(fields.message) ?? String(error);
  const body = errorBody(raw);
  const message = text(body?.message) ?? raw;
  const codes = [
    text(fields.reason),
    text(body?.status),
    ...reasonsIn(body),
  ].filter((code): code is string => code !== undefined);

  const { code } = fields;
  const http = typeof fields.status === 'number' ? fields.status : code;
  const named = (...names: string[]) => codes.some((c) => names.includes(c));
  if (
    named('notFound', 'NOT_FOUND') ||
    http === 404 ||
    code === GRPC_NOT_FOUND
  ) {
    codes.push(NOT_FOUND);
  }
  const conflict = http === 409 || code === GRPC_ABORTED;
  if (
    named('alreadyExists', 'ALREADY_EXISTS') ||
    code === GRPC_ALREADY_EXISTS ||
    (conflict && /already exists/i.test(message))
  ) {
    codes.push(ALREADY_EXISTS);
  }
  return { codes, message };
}

/** The Problem of a finished operation, or undefined if it succeeded. */
export function problemOfOperation(operation: Operation): Problem | undefined {
  const errors = operation.error?.errors ?? [];
  if (errors.length === 0) return undefined;

  return {
    codes: errors.map((e) => e.code ?? '').filter(Boolean),
    message: errors.map((e) => `${e.code}: ${e.message}`).join('; '),
  };
}

/** Whether the zone lacked capacity or the project lacked quota. */
export function isCapacityProblem(problem: Problem): boolean {
  return (
    problem.codes.some((c) => CAPACITY_CODES.has(c)) ||
    CAPACITY_MESSAGE.test(problem.message)
  );
}

/** Whether the resource did not exist. */
export function isNotFound(problem: Problem): boolean {
  return problem.codes.includes(NOT_FOUND);
}

/** Whether a resource of that name already existed. */
export function isAlreadyExists(problem: Problem): boolean {
  return problem.codes.includes(ALREADY_EXISTS);
}
