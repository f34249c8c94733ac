/**
 * Fetches a task's inputs into its host folders before any executor runs:
 * inline content, local files and directories (file://), and http(s) URLs.
 */
import { createWriteStream } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { TesInput } from '../shared/tes';
import { checkInputUrl } from './url-guard';

/** How many inputs are fetched at once. */
export const PARALLEL_DOWNLOADS = 4;

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

async function fetchInput(input: TesInput, dest: string): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  if (input.content !== undefined) {
    await writeFile(dest, input.content);
    return;
  }

  const url = input.url as string;
  const scheme = new URL(url).protocol;
  if (scheme === 'file:') {
    await cp(fileURLToPath(url), dest, {
      recursive: input.type === 'DIRECTORY',
    });
  } else if (scheme === 'http:' || scheme === 'https:') {
    if (input.type === 'DIRECTORY') {
      throw new InputError(
        `${url}: a DIRECTORY input cannot be fetched over HTTP`,
      );
    }
    await fetchHttp(url, dest);
  } else {
    throw new InputError(`${url}: scheme ${scheme} is not supported`);
  }
}

/**
 * Fetches every input to the host path `destOf` gives it, a few at a
 * time. Rejects with an InputError naming the first input that failed.
 */
export async function fetchInputs(
  inputs: TesInput[],
  destOf: (input: TesInput) => string,
  onFetched: (input: TesInput) => Promise<void>,
): Promise<void> {
  const queue = [...inputs];
  const worker = async () => {
    for (let input = queue.shift(); input; input = queue.shift()) {
      const source = input.url ?? 'inline content';
      try {
        await fetchInput(input, destOf(input));
      } catch (error) {
        if (error instanceof InputError) throw error;
        throw new InputError(`${source}: ${(error as Error).message}`);
      }
      await onFetched(input);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_DOWNLOADS }, worker));
}
