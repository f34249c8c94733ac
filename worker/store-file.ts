/**
 * One host file stored at a file:// or gs:// URL: what outputs and the
 * whole logs are made of.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertPlainPath, filePath } from '../shared/file-url';
import { uploadFile } from './gcs';
import { copyRegularFile } from './safe-paths';

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
  await copyRegularFile(source, dest);
  return pathToFileURL(dest).href;
}
