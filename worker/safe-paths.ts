/**
 * Host paths that a task's executors could have tampered with. The worker
 * runs outside the sandbox, so before it opens a file an executor may have
 * created (a redirect, an output), it makes sure no part of the path below
 * the task's mount is a symbolic link: a link planted by the task would
 * otherwise lead the worker to any file of the host.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync } from 'node:fs';
import { type FileHandle, open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { kernelFolder } from '../shared/file-url';

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

/** How much of a file is copied at a time. */
const COPY_CHUNK_BYTES = 1 << 20;

/**
 * Opens `file` as a regular file and nothing else: never through a link
 * at its end, and without blocking on a FIFO that appeared there since
 * it was checked (the open itself decides, so no race remains).
 */
async function openRegular(file: string, flags: number): Promise<FileHandle> {
  const handle = await open(
    file,
    flags | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    0o644,
  );
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw new UnsafePathError(`${file} is not a regular file`);
  }
  return handle;
}

/**
 * Copies the regular file `source` to `dest`, both opened as regular
 * files only, with the permission bits of the source but never setuid
 * or setgid (executors run as root).
 */
export async function copyRegularFile(
  source: string,
  dest: string,
): Promise<void> {
  // The source may be reached through links (a user's own reference
  // file often is); the destination never is.
  const real = await realpath(source);
  const folder = kernelFolder(real);
  if (folder) throw new UnsafePathError(`${source} leads into ${folder}`);
  const from = await openRegular(real, constants.O_RDONLY);
  try {
    const to = await openRegular(
      dest,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC,
    );
    try {
      const buffer = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
      for (;;) {
        const { bytesRead } = await from.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        for (let done = 0; done < bytesRead; ) {
          const { bytesWritten } = await to.write(
            buffer,
            done,
            bytesRead - done,
          );
          done += bytesWritten;
        }
      }
      await to.chmod((await from.stat()).mode & 0o777);
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}
