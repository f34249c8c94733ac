/**
 * Host paths that a task's executors could have tampered with. The worker
 * runs outside the sandbox, so before it opens a file an executor may have
 * created (a redirect, an output), it makes sure no part of the path below
 * the task's mount is a symbolic link: a link planted by the task would
 * otherwise lead the worker to any file of the host.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync } from 'node:fs';
import path from 'node:path';

/** A path that leaves the task's folders through a symbolic link. */
export class UnsafePathError extends Error {
  override name = 'UnsafePathError';
}

/**
 * Throws unless every existing component of `target` below `root` is a
 * real file or folder (no symbolic link). Components that do not exist
 * yet are fine: the worker creates them itself.
 */
export function assertNoLinks(root: string, target: string): void {
  const relative = path.relative(root, target);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new UnsafePathError(`${target} is outside ${root}`);
  }
  let current = root;
  for (const part of relative.split(path.sep).filter(Boolean)) {
    current = path.join(current, part);
    let isLink: boolean;
    try {
      isLink = lstatSync(current).isSymbolicLink();
    } catch {
      return;
    }
    if (isLink) {
      throw new UnsafePathError(
        `${current} is a symbolic link; the worker does not follow links`,
      );
    }
  }
}

/** Opens a file for an executor's redirect, never through a link. */
export function openRedirect(
  root: string,
  target: string,
  mode: 'read' | 'write',
): number {
  assertNoLinks(root, target);
  // Non-blocking, so that a FIFO planted by the task cannot hang the
  // worker; then only a regular file is accepted.
  const access =
    mode === 'read'
      ? constants.O_RDONLY
      : constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC;
  const flags = access | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  const fd = openSync(target, flags, 0o644);
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new UnsafePathError(`${target} is not a regular file`);
  }
  return fd;
}
