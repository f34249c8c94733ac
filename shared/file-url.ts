/**
 * file:// URLs the service accepts: absolute paths on the worker's own
 * machine, outside the kernel's folders.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Kernel and device folders are never a task's files: reading them would
 * hand a task the worker's own secrets, and Node's recursive mkdir never
 * returns under /proc.
 */
const KERNEL_FOLDERS = ['/proc', '/sys', '/dev'];

/** What is wrong with a file:// URL, if anything. */
export function fileUrlProblem(url: string): string | undefined {
  if (!/^file:\/\/(localhost)?\//.test(url)) {
    return 'must be file:///absolute/path (no host name, no relative path)';
  }
  let file: string;
  try {
    file = path.posix.normalize(fileURLToPath(url));
  } catch (error) {
    return `is not a usable file URL (${(error as Error).message})`;
  }
  const folder = KERNEL_FOLDERS.find(
    (f) => file === f || file.startsWith(`${f}/`),
  );
  return folder ? `must not be under ${folder}` : undefined;
}

/** The path of a file:// URL; throws on one fileUrlProblem refuses. */
export function filePath(url: string): string {
  const problem = fileUrlProblem(url);
  if (problem) throw new Error(`${url}: ${problem}`);
  return fileURLToPath(url);
}
