import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gsLocation, parseGsUrl } from '../../shared/gs-url';

describe('gs:// URLs', () => {
  it('splits the bucket from the object name, kept as written', () => {
    assert.deepEqual(parseGsUrl('gs://my-bucket/runs/a b%20c.txt'), {
      bucket: 'my-bucket',
      name: 'runs/a b%20c.txt',
    });
    assert.deepEqual(parseGsUrl('gs://my.bucket_1'), {
      bucket: 'my.bucket_1',
      name: '',
    });
    assert.deepEqual(parseGsUrl('gs://b12/dir/'), {
      bucket: 'b12',
      name: 'dir/',
    });
  });

  it('says what is wrong with a bad one', () => {
    assert.deepEqual(parseGsUrl('s3://b/x'), {
      problem: 'must start with gs://',
    });
    assert.deepEqual(parseGsUrl('gs://Caps/x'), {
      problem: '"Caps" is not a valid bucket name',
    });
    assert.deepEqual(parseGsUrl('gs://-dash/x'), {
      problem: '"-dash" is not a valid bucket name',
    });
    assert.deepEqual(parseGsUrl(`gs://bucket/${'x'.repeat(1025)}`), {
      problem: 'object names are at most 1024 bytes',
    });
    assert.deepEqual(parseGsUrl('gs://bucket/a\nb'), {
      problem: 'object names cannot contain line breaks',
    });
    assert.throws(() => gsLocation('gs://x/y'), /gs:\/\/x\/y: "x" is not/);
  });
});
