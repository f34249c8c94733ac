/**
 * How the driver reads Compute Engine failures, in both shapes the REST
 * transport has thrown them (an HTTP client error carrying the JSON body,
 * and a parsed error with a gRPC code), and as finished operations.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isAlreadyExists,
  isCapacityProblem,
  isNotFound,
  type Problem,
  problemOfError,
  problemOfOperation,
} from '../../functions/worker-launch/compute-engine-errors';

type Kind = 'not found' | 'already exists' | 'capacity' | 'other';

function kindOf(problem: Problem): Kind {
  if (isNotFound(problem)) return 'not found';
  if (isAlreadyExists(problem)) return 'already exists';
  if (isCapacityProblem(problem)) return 'capacity';
  return 'other';
}

/** An error as google-gax 5 passes it on: HTTP status, body as message. */
function httpError(status: number, message: string, reason: string) {
  const body = { error: { code: status, message, errors: [{ reason }] } };
  return Object.assign(new Error(JSON.stringify(body)), {
    status,
    code: status,
  });
}

/** An error as a parsing transport gives it: gRPC code, plain message. */
function grpcError(code: number, message: string, reason?: string) {
  return Object.assign(new Error(message), { code, reason });
}

describe('Compute Engine errors', () => {
  const cases: Array<{ name: string; error: unknown; kind: Kind }> = [
    {
      name: 'HTTP 404',
      error: httpError(404, "The resource 'x' was not found", 'notFound'),
      kind: 'not found',
    },
    {
      name: 'HTTP 409 for a name in use',
      error: httpError(409, "The resource 'x' already exists", 'alreadyExists'),
      kind: 'already exists',
    },
    {
      name: 'HTTP 403 quotaExceeded',
      error: httpError(
        403,
        "Quota 'CPUS' exceeded.  Limit: 8.0",
        'quotaExceeded',
      ),
      kind: 'capacity',
    },
    {
      name: 'HTTP 503 insufficientCapacity',
      error: httpError(503, 'Try again later', 'insufficientCapacity'),
      kind: 'capacity',
    },
    {
      name: 'HTTP 403 rateLimitExceeded (retried, not another zone)',
      error: httpError(403, 'Rate Limit Exceeded', 'rateLimitExceeded'),
      kind: 'other',
    },
    {
      name: 'gRPC NOT_FOUND',
      error: grpcError(5, "The resource 'x' was not found"),
      kind: 'not found',
    },
    {
      name: 'gRPC ABORTED for a name in use',
      error: grpcError(10, "The resource 'x' already exists"),
      kind: 'already exists',
    },
    {
      name: 'gRPC error with an ErrorInfo reason',
      error: grpcError(7, 'Quota exceeded', 'QUOTA_EXCEEDED'),
      kind: 'capacity',
    },
    {
      name: 'a network failure',
      error: Object.assign(new Error('socket hang up'), {
        code: 'ECONNRESET',
      }),
      kind: 'other',
    },
  ];

  for (const c of cases) {
    it(`reads ${c.name} as ${c.kind}`, () => {
      assert.equal(kindOf(problemOfError(c.error)), c.kind);
    });
  }

  it('takes the message from the JSON body', () => {
    const error = httpError(404, "The resource 'x' was not found", 'notFound');
    assert.equal(
      problemOfError(error).message,
      "The resource 'x' was not found",
    );
  });

  it('reads a zone out of resources from a finished operation', () => {
    for (const code of [
      'ZONE_RESOURCE_POOL_EXHAUSTED',
      'ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS',
      'QUOTA_EXCEEDED',
    ]) {
      const problem = problemOfOperation({
        status: 'DONE',
        error: { errors: [{ code, message: 'no room' }] },
      });
      assert.ok(problem && isCapacityProblem(problem), code);
    }
  });

  it('reads a finished operation without errors as success', () => {
    assert.equal(problemOfOperation({ status: 'DONE' }), undefined);
    assert.equal(
      problemOfOperation({ status: 'DONE', error: { errors: [] } }),
      undefined,
    );
  });
});
