/**
 * The URLs tasks name for their files: which schemes the service reads
 * and writes, and what a URL of each must look like. The API checks task
 * URLs with it, and configuration checks TES_LOGS_URL.
 */
import { fileUrlProblem } from './file-url';
import { parseGsUrl } from './gs-url';

/** URL schemes the service can read inputs from. */
export const INPUT_SCHEMES = ['file', 'http', 'https', 'gs'];
/** URL schemes the service can write outputs (and whole logs) to. */
export const OUTPUT_SCHEMES = ['file', 'gs'];

/**
 * What is wrong with a URL that must be of one of `schemes`, if anything.
 * A gs:// URL must name a valid bucket, and an object too when
 * `needsObject` (a single file, not a prefix).
 */
export function urlProblem(
  value: string,
  schemes: string[],
  needsObject = false,
): string | undefined {
  let scheme: string;
  try {
    scheme = new URL(value).protocol.replace(/:$/, '');
  } catch {
    return 'is not a valid URL';
  }
  if (!schemes.includes(scheme)) {
    return `scheme "${scheme}" is not supported (supported: ${schemes.join(', ')})`;
  }
  if (scheme === 'file') return fileUrlProblem(value);
  if (scheme !== 'gs') return undefined;
  const gs = parseGsUrl(value);
  if ('problem' in gs) return gs.problem;
  if (needsObject && (gs.name === '' || gs.name.endsWith('/'))) {
    return 'must name an object, not a bucket or a folder';
  }
  return undefined;
}
