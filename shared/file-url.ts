/**
 * file:// URLs the service accepts: absolute paths on the worker's own
 * machine, outside the kernel's folders.
 */
import { lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Kernel and device folders are never a task's files: reading them would
 * hand a task the worker's own secrets, and Node's recursive mkdir never
 * returns under /proc.
 */
const KERNEL_FOLDERS = ['/proc', '/sys', '/dev'];

/** The kernel folder `file` is in, if any. */
export function kernelFolder(file: string): string | undefined {
  return KERNEL_FOLDERS.find((f) => file === f || file.startsWith(`${f}/`));
}

/** What is wrong with a file:// URL, if anything. */
export function fileUrlProblem(url: string): string | undefined {
  if (!/^file:\/\/(localhost)?\//.test(url)) {
    return 'must be file:///absolute/path or file://localhost/absolute/path (no other host, no relative path)';
  }
  let file: string;
  try {
    file = path.posix.normalize(fileURLToPath(url));
  } catch (error) {
    return `is not a usable file URL (${(error as Error).message})`;
  }
  const folder = kernelFolder(file);
  return folder ? `must not be under ${folder}` : undefined;
}

/** The path of a file:// URL; throws on one fileUrlProblem refuses. */
export function filePath(url: string): string {
  const problem = fileUrlProblem(url);
  if (problem) throw new Error(`${url}: ${problem}`);
  return fileURLToPath(url);
}

/** The nearest of `file` and the folders above it that exists. */
async function nearestExisting(file: string): Promise<string> {
  for (let at = file; ; at = path.dirname(at)) {
    const found = await lstat(at).then(
      () => true,
      () => false,
    );
    if (found || at === path.dirname(at)) return at;
  }
}

/**
 * Throws unless `file` is (or leads to) a regular file or folder, or
 * does not exist yet, and no symbolic link on its way leads into a kernel
 * folder: what the URL's text cannot show.
 */
export async function assertPlainPath(file: string): Promise<void> {
  const real = await realpath(await nearestExisting(file));
  const folder = kernelFolder(real);
  if (folder) throw new Error(`${file} leads into ${folder}`);
  const info = await stat(file).catch(() => undefined);
  if (info && !info.isFile() && !info.isDirectory()) {
    throw new Error(`${file} is not a regular file or folder`);
  }
}
