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
import { type GsLocation, gsLocation } from '../shared/gs-url';
import { forEachLimited } from './pool';

/** The Cloud Storage calls the worker makes, and no others. */
export interface ObjectStore {
  /** Writes one object's bytes to the file `dest`. */
  download(object: GsLocation, dest: string): Promise<void>;
  /** The names of every object of `bucket` that starts with `prefix`. */
  list(bucket: string, prefix: string): Promise<string[]>;
  /** Stores the file `source` as one object. */
  upload(source: string, object: GsLocation): Promise<void>;
}

/** An ObjectStore backed by the @google-cloud/storage client. */
export class CloudStorageObjects implements ObjectStore {
  constructor(private readonly storage: Storage) {}

  async download(object: GsLocation, dest: string): Promise<void> {
    const file = this.storage.bucket(object.bucket).file(object.name);
    await file.download({ destination: dest });
  }

  async list(bucket: string, prefix: string): Promise<string[]> {
    const [files] = await this.storage
      .bucket(bucket)
      .getFiles({ prefix, autoPaginate: true });
    return files.map((f) => f.name);
  }

  async upload(source: string, object: GsLocation): Promise<void> {
    // Resumable above 5 MB, the client's default: one request below.
    await this.storage
      .bucket(object.bucket)
      .upload(source, { destination: object.name });
  }
}

let store: ObjectStore | undefined;

function objects(): ObjectStore {
  // Against the emulator a failed call is a bug to see at once, not a
  // reason to retry for 15 s.
  store ??= new CloudStorageObjects(
    new Storage({
      retryOptions: { autoRetry: !process.env.STORAGE_EMULATOR_HOST },
    }),
  );
  return store;
}

/** Downloads one object to `dest`. */
export async function downloadObject(url: string, dest: string): Promise<void> {
  await objects().download(gsLocation(url), dest);
}

/** A file system's limit on one name, in bytes. */
const MAX_NAME_PART_BYTES = 255;

/**
 * Why an object under a prefix cannot be a file below the folder, if it
 * cannot: a name that would climb out of it (`..`, empty or `.` parts),
 * a part too long for a file name, or a name that other objects use as
 * their folder (`a/b` beside `a/b/c`).
 */
function unplaceable(relative: string, folders: Set<string>) {
  const parts = relative.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) {
    return 'is not a path below';
  }
  if (relative.includes('\0')) return 'has a NUL character, no file name below';
  if (parts.some((p) => Buffer.byteLength(p) > MAX_NAME_PART_BYTES)) {
    return `has a part over ${MAX_NAME_PART_BYTES} bytes, too long a file name below`;
  }
  if (folders.has(relative)) return 'is also a folder of other objects below';
  return undefined;
}

/** An object of a prefix left out of a DIRECTORY input, and why. */
export interface SkippedObject {
  name: string;
  reason: string;
}

/** What a prefix download fetched and skipped. */
export interface PrefixDownload {
  files: number;
  skipped: SkippedObject[];
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
  const names = await objects().list(bucket, prefix);
  if (names.length === 0) {
    throw new Error(`no objects under gs://${bucket}/${prefix}`);
  }

  const relatives = names.map((n) => n.slice(prefix.length));
  // Folders that real objects need: a placeholder ("q/") needs none, so
  // an object "q" beside it is still a file.
  const folders = new Set<string>();
  for (const relative of relatives.filter((r) => !r.endsWith('/'))) {
    const parts = relative.split('/');
    for (let i = 1; i < parts.length; i += 1) {
      folders.add(parts.slice(0, i).join('/'));
    }
  }
  const skipped: SkippedObject[] = [];
  const wanted: { name: string; to: string }[] = [];
  for (const [i, relative] of relatives.entries()) {
    const object = names[i] as string;
    if (relative === '' || relative.endsWith('/')) continue;
    const reason = unplaceable(relative, folders);
    if (reason) skipped.push({ name: object, reason });
    else
      wanted.push({
        name: object,
        to: path.join(dest, ...relative.split('/')),
      });
  }
  await mkdir(dest, { recursive: true });
  await forEachLimited(wanted, parallel, async (object) => {
    await mkdir(path.dirname(object.to), { recursive: true });
    await objects().download({ bucket, name: object.name }, object.to);
  });
  return { files: wanted.length, skipped };
}

/** Uploads the file at `source` as the object the URL names. */
export async function uploadFile(source: string, url: string): Promise<void> {
  const object = gsLocation(url);
  if (object.name === '') {
    throw new Error(`${url}: names a bucket, not an object`);
  }
  await objects().upload(source, object);
}
