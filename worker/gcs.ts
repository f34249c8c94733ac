/**
 * gs:// inputs and outputs through @google-cloud/storage: single objects,
 * and every object under a prefix for DIRECTORY inputs. On a VM the
 * client authenticates as the worker's service account; locally
 * STORAGE_EMULATOR_HOST points it at the storage emulator, which needs no
 * credentials.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Storage } from '@google-cloud/storage';
import { gsLocation } from '../shared/gs-url';
import { forEachLimited } from './pool';

let client: Storage | undefined;

function storage(): Storage {
  // Against the emulator a failed call is a bug to see at once, not a
  // reason to retry for 15 s.
  client ??= new Storage({
    retryOptions: { autoRetry: !process.env.STORAGE_EMULATOR_HOST },
  });
  return client;
}

/** Downloads one object to `dest`. */
export async function downloadObject(url: string, dest: string): Promise<void> {
  const { bucket, name } = gsLocation(url);
  await storage().bucket(bucket).file(name).download({ destination: dest });
}

/**
 * Where an object under a prefix goes below `dest`, or undefined for a
 * name that would climb out of it (`..`, empty or `.` segments).
 */
function placeUnder(dest: string, relative: string): string | undefined {
  const segments = relative.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    return undefined;
  }
  return path.join(dest, ...segments);
}

/** What a prefix download fetched and skipped. */
export interface PrefixDownload {
  files: number;
  /** Object names that cannot be a path below the folder. */
  skipped: string[];
}

/**
 * Downloads every object under the URL's prefix into the folder `dest`,
 * `parallel` at a time, keeping the names below the prefix as paths.
 * Folder placeholders (names ending in "/") are not files.
 */
export async function downloadPrefix(
  url: string,
  dest: string,
  parallel: number,
): Promise<PrefixDownload> {
  const { bucket, name } = gsLocation(url);
  const prefix = name === '' || name.endsWith('/') ? name : `${name}/`;
  const [objects] = await storage()
    .bucket(bucket)
    .getFiles({ prefix, autoPaginate: true });
  if (objects.length === 0) {
    throw new Error(`no objects under gs://${bucket}/${prefix}`);
  }

  const skipped: string[] = [];
  const wanted: { file: (typeof objects)[number]; to: string }[] = [];
  for (const file of objects) {
    if (file.name.endsWith('/')) continue;
    const to = placeUnder(dest, file.name.slice(prefix.length));
    if (to) wanted.push({ file, to });
    else skipped.push(file.name);
  }
  await mkdir(dest, { recursive: true });
  await forEachLimited(wanted, parallel, async ({ file, to }) => {
    await mkdir(path.dirname(to), { recursive: true });
    await file.download({ destination: to });
  });
  return { files: wanted.length, skipped };
}

/** Uploads the file at `source` as the object the URL names. */
export async function uploadFile(source: string, url: string): Promise<void> {
  const { bucket, name } = gsLocation(url);
  if (name === '') throw new Error(`${url}: names a bucket, not an object`);
  await storage().bucket(bucket).upload(source, { destination: name });
}
