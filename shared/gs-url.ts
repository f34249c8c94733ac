/**
 * gs:// URLs as gsutil and the workflow engines write them: the bucket,
 * then the object name as it is, not percent-encoded
 * (`gs://bucket/runs/my file.txt` names the object `runs/my file.txt`).
 */

/** A bucket and an object name (or prefix, possibly empty). */
export interface GsLocation {
  bucket: string;
  name: string;
}

/** Bucket names: 3 to 222 lowercase letters, digits, dots, - and _. */
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/** What else Cloud Storage refuses in a bucket name, if anything. */
function bucketProblem(bucket: string): string | undefined {
  if (!BUCKET.test(bucket)) return 'is not a valid bucket name';
  if (/\.\.|\.-|-\./.test(bucket)) {
    return 'is not a valid bucket name ("..", ".-" and "-." are refused)';
  }
  if (/^goog|g(o|0)(o|0)gle/.test(bucket)) {
    return 'is not a valid bucket name (names with "goog" or "google" are reserved)';
  }
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) {
    return 'is not a valid bucket name (it is an IP address)';
  }
  const parts = bucket.split('.');
  if (parts.length === 1 && bucket.length > 63) {
    return 'is not a valid bucket name (more than 63 characters without dots)';
  }
  if (parts.some((part) => part.length > 63)) {
    return 'is not a valid bucket name (a dot-separated part is over 63 characters)';
  }
  return undefined;
}

/** The most bytes an object name may have. */
const MAX_NAME_BYTES = 1024;

/** Reads a gs:// URL, or says what is wrong with it. */
export function parseGsUrl(url: string): GsLocation | { problem: string } {
  if (!url.startsWith('gs://')) return { problem: 'must start with gs://' };
  const rest = url.slice('gs://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const name = slash < 0 ? '' : rest.slice(slash + 1);
  const problem = bucketProblem(bucket);
  if (problem) return { problem: `"${bucket}" ${problem}` };
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    return { problem: `object names are at most ${MAX_NAME_BYTES} bytes` };
  }
  if (/[\r\n]/.test(name)) {
    return { problem: 'object names cannot contain line breaks' };
  }
  if (name.includes('\0')) {
    return { problem: 'object names cannot contain NUL characters' };
  }
  if (name.startsWith('.well-known/acme-challenge/')) {
    return {
      problem: 'object names cannot start with .well-known/acme-challenge/',
    };
  }
  // Cloud Storage refuses "." and ".."; an empty segment ("a//b") is
  // legal there but no path, and the emulator folds it away. A trailing
  // "/" (a folder) is fine.
  const segments = name.replace(/\/$/, '').split('/');
  if (
    name !== '' &&
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    return { problem: 'object names cannot have empty, "." or ".." segments' };
  }
  return { bucket, name };
}

/** A gs:// URL's location; throws on a malformed one. */
export function gsLocation(url: string): GsLocation {
  const parsed = parseGsUrl(url);
  if ('problem' in parsed) throw new Error(`${url}: ${parsed.problem}`);
  return parsed;
}
