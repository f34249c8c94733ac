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
    const refused = [
      ['gs://a..b/x', '"..", ".-" and "-." are refused'],
      ['gs://a.-b/x', '"..", ".-" and "-." are refused'],
      ['gs://goog-data/x', 'names with "goog" or "google" are reserved'],
      ['gs://my-g00gle/x', 'names with "goog" or "google" are reserved'],
      ['gs://10.0.0.1/x', 'it is an IP address'],
      [`gs://${'a'.repeat(64)}/x`, 'more than 63 characters without dots'],
      [`gs://b.${'a'.repeat(64)}/x`, 'a dot-separated part is over 63'],
      ['gs://b12/a\u0000b', 'NUL characters'],
      ['gs://b12/.well-known/acme-challenge/x', '.well-known/acme-challenge/'],
    ];
    for (const [url, reason] of refused) {
      const parsed = parseGsUrl(url as string);
      assert.ok('problem' in parsed, url);
      assert.ok(parsed.problem.includes(reason as string), parsed.problem);
    }
    assert.ok(!('problem' in parseGsUrl(`gs://a.${'b'.repeat(63)}.c/x`)));
    assert.deepEqual(parseGsUrl(`gs://bucket/${'x'.repeat(1025)}`), {
      problem: 'object names are at most 1024 bytes',
    });
    assert.deepEqual(parseGsUrl('gs://bucket/a\nb'), {
      problem: 'object names cannot contain line breaks',
    });
    for (const url of [
      'gs://b12/../a',
      'gs://b12/a/./b',
      'gs://b12//a',
      'gs://b12/a//',
    ]) {
      assert.deepEqual(
        parseGsUrl(url),
        {
          problem: 'object names cannot have empty, "." or ".." segments',
        },
        url,
      );
    }
    assert.throws(() => gsLocation('gs://x/y'), /gs:\/\/x\/y: "x" is not/);
  });
});
