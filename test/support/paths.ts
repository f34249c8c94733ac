/** Paths the tests share: the repository root and the ../shared folder. */
import path from 'node:path';

/** The repository root (tests run compiled, from dist/test/...). */
export const REPO_ROOT = path.join(__dirname, '..', '..', '..');

/**
 * The ../shared folder beside the repository (TES spec and test data), or
 * wherever TES_SHARED_DIR points.
 */
export const SHARED_DIR =
  process.env.TES_SHARED_DIR ?? path.join(REPO_ROOT, '..', 'shared');

/** The lambda phage genome and reads. */
export const LAMBDA_DIR = path.join(SHARED_DIR, 'data', 'lambda');
