/**
 * Fetches a task's inputs into its host folders before any executor runs:
 * inline content, local files and directories (file://), http(s) URLs,
 * and gs:// objects and prefixes. A streamable input is downloaded like
 * any other: no driver streams yet.
 */
import { createWriteStream } from 'node:fs';
import { cp, lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertPlainPath, filePath } from '../shared/file-url';
import type { TesInput } from '../shared/tes';
import { downloadObject, downloadPrefix, type SkippedObject } from './gcs';
import { forEachLimited } from './pool';
import { copyRegularFile } from './safe-paths';
import { checkInputUrl } from './url-guard';

/** How many inputs, and files of one folder, are fetched at once. */
export const PARALLEL_DOWNLOADS = 4;

/** What one input brought, for the system logs. */
export interface Fetched {
  files: number;
  bytes: number;
  /** Objects of a gs:// prefix whose names cannot be paths. */
  skipped: SkippedObject[];
}

/** An input that could not be fetched, with the URL and the reason. */
export class InputError extends Error {
  override name = 'InputError';
}

/** Redirects followed at most, each checked like the first URL. */
const MAX_REDIRECTS = 10;

async function fetchHttp(url: string, dest: string): Promise<void> {
  let target = new URL(url);
  let response: Response;
  for (let hops = 0; ; hops += 1) {
    try {
      await checkInputUrl(target);
    } catch (error) {
      throw new InputError((error as Error).message);
    }
    response = await fetch(target, { redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) break;
    if (hops === MAX_REDIRECTS)
      throw new InputError(`${url}: too many redirects`);
    await response.body?.cancel();
    target = new URL(location, target);
  }
  if (!response.ok || !response.body) {
    throw new InputError(
      `${url}: HTTP ${response.status} ${response.statusText}`,
    );
  }
  await pipeline(
    Readable.fromWeb(response.body as never),
    createWriteStream(dest),
  );
}

/** The files and bytes at `host`, a file or a whole folder. */
async function measure(host: string): Promise<Omit<Fetched, 'skipped'>> {
  const info = await lstat(host);
  if (!info.isDirectory()) return { files: 1, bytes: info.size };
  const total = { files: 0, bytes: 0 };
  const entries = await readdir(host, { withFileTypes: true, recursive: true });
  for (const entry of entries.filter((e) => e.isFile())) {
    total.files += 1;
    total.bytes += (await lstat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function fetchInput(input: TesInput, dest: string): Promise<Fetched> {
  await mkdir(path.dirname(dest), { recursive: true });
  let skipped: SkippedObject[] = [];
  const url = input.url;
  const scheme = url === undefined ? 'content' : new URL(url).protocol;
  if (input.content !== undefined) {
    await writeFile(dest, input.content);
  } else if (scheme === 'file:') {
    // copyRegularFile checks a file's real path itself; a folder's is
    // checked here.
    const source = filePath(url as string);
    if (input.type === 'DIRECTORY') {
      await assertPlainPath(source);
      await cp(source, dest, { recursive: true });
    } else {
      await copyRegularFile(source, dest);
    }
  } else if (scheme === 'http:' || scheme === 'https:') {
    if (input.type === 'DIRECTORY') {
      throw new InputError(
        `${url}: a DIRECTORY input cannot be fetched over HTTP`,
      );
    }
    await fetchHttp(url as string, dest);
  } else if (scheme === 'gs:' && input.type === 'DIRECTORY') {
    ({ skipped } = await downloadPrefix(
      url as string,
      dest,
      PARALLEL_DOWNLOADS,
    ));
  } else if (scheme === 'gs:') {
    await downloadObject(url as string, dest);
  } else {
    throw new InputError(`${url}: scheme ${scheme} is not supported`);
  }
  return { ...(await measure(dest)), skipped };
}

/**
 * Fetches every input to the host path `destOf` gives it, a few at a
 * time. Rejects with an InputError naming the first input that failed.
 */
export async function fetchInputs(
  inputs: TesInput[],
  destOf: (input: TesInput) => string,
  onFetched: (input: TesInput, fetched: Fetched) => Promise<void>,
): Promise<void> {
  await forEachLimited(inputs, PARALLEL_DOWNLOADS, async (input) => {
    const source = input.url ?? 'inline content';
    let fetched: Fetched;
    try {
      fetched = await fetchInput(input, destOf(input));
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError(`${source}: ${(error as Error).message}`);
    }
    await onFetched(input, fetched);
  });
}
