import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admit, MAX_TAGS } from '../../functions/api/admission';
import { PayloadTooLargeError, ValidationError } from '../../shared/errors';

const policy = { zones: ['us-central1-a'] };
const executors = [{ image: 'alpine', command: ['true'] }];

describe('admission of tags', () => {
  it('refuses more tags than the index can hold, naming the field', () => {
    const tags = Object.fromEntries(
      Array.from({ length: MAX_TAGS + 1 }, (_, i) => [`k${i}`, 'v']),
    );
    assert.throws(
      () => admit({ executors, tags }, policy),
      (error) =>
        error instanceof ValidationError &&
        error.problems.some(
          (p) => p.field === 'tags' && /at most 1000 tags/.test(p.message),
        ),
    );
  });

  it('counts the search terms tags add toward the stored size', () => {
    // 1000 tags of 200 bytes: 200 KB sent, about twice that stored.
    const tags = Object.fromEntries(
      Array.from({ length: 1000 }, (_, i) => [`k${i}`, 'v'.repeat(200)]),
    );
    assert.ok(
      Buffer.byteLength(JSON.stringify({ executors, tags })) < 384 * 1024,
    );
    assert.throws(
      () => admit({ executors, tags }, policy),
      (error) =>
        error instanceof PayloadTooLargeError &&
        /a task may take at most 393216 bytes/.test(error.message),
    );
  });

  it('refuses more backend parameters than it could ever use', () => {
    const backend_parameters = Object.fromEntries(
      Array.from({ length: 65 }, (_, i) => [`p${i}`, '']),
    );
    assert.throws(
      () => admit({ executors, resources: { backend_parameters } }, policy),
      (error) =>
        error instanceof ValidationError &&
        error.problems.some((p) => p.field === 'resources.backend_parameters'),
    );
  });
});
