/**
 * One host file stored at a file:// or gs:// URL: what outputs and the
 * whole logs are made of.
 */
import { chmod, copyFile, lstat, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertPlainPath, filePath } from '../shared/file-url';
import { uploadFile } from './gcs';

/**
 * Copies the host file `source` to a file:// or gs:// URL and returns
 * the URL it was stored at, normalised.
 */
export async function storeFile(source: string, url: string): Promise<string> {
  const scheme = new URL(url).protocol;
  if (scheme === 'gs:') {
    await uploadFile(source, url);
    return url;
  }
  if (scheme !== 'file:') {
    throw new Error(`${url}: scheme ${scheme} is not supported`);
  }
  const dest = filePath(url);
  await assertPlainPath(dest);
  await mkdir(path.dirname(dest), { recursive: true });
  // Never written through a link or into a FIFO found at the destination.
  const existing = await lstat(dest).catch(() => undefined);
  if (existing && !existing.isFile()) {
    throw new Error(`${dest} exists and is not a regular file`);
  }
  await copyFile(source, dest);
  // Executors run as root: no setuid or setgid file leaves the task.
  const { mode } = await stat(dest);
  await chmod(dest, mode & 0o777);
  return pathToFileURL(dest).href;
}
