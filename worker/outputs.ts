/**
 * Stores a task's outputs after its executors ran: files, directories
 * (recursively, one output file log per file) and wildcard patterns, to
 * file:// and gs:// URLs, a few at a time. Nothing is followed through a
 * symbolic link the task may have planted, and a declared output that is
 * missing is reported, not an error.
 */
import { chmod, copyFile, lstat, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TesOutput, TesOutputFileLog } from '../shared/tes';
import { uploadFile } from './gcs';
import { hasGlob, segmentPattern } from './glob';
import { hostPath, type Layout } from './layout';
import { forEachLimited } from './pool';
import { assertNoLinks } from './safe-paths';

/** One file found for an output, before it is stored. */
interface Found {
  hostPath: string;
  containerPath: string;
  url: string;
}

/** What storing the outputs produced. */
export interface StoredOutputs {
  logs: TesOutputFileLog[];
  /** Declared outputs (not patterns) that the executors never produced. */
  missing: TesOutput[];
  /** Paths skipped because they are symbolic links. */
  links: string[];
}

/** How many output files are stored at once. */
export const PARALLEL_UPLOADS = 4;

/**
 * The URL of a file below `base`. file:// URLs are percent-encoded;
 * gs:// URLs carry object names as they are (see shared/gs-url.ts).
 */
function joinUrl(base: string, relative: string): string {
  const encoded = base.startsWith('gs://')
    ? relative
    : relative.split('/').map(encodeURIComponent).join('/');
  return `${base.replace(/\/+$/, '')}/${encoded}`;
}

/** Every regular file under `dir` (links are neither followed nor kept). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** The files of one host path: itself, or every file of a directory. */
async function expand(
  host: string,
  containerPath: string,
  url: string,
  links: string[],
): Promise<Found[]> {
  const info = await lstat(host).catch(() => undefined);
  if (!info) return [];
  if (info.isSymbolicLink()) {
    links.push(containerPath);
    return [];
  }
  if (info.isFile()) return [{ hostPath: host, containerPath, url }];
  if (!info.isDirectory()) return [];
  return (await filesUnder(host)).map((file) => {
    const relative = path.relative(host, file).split(path.sep).join('/');
    return {
      hostPath: file,
      containerPath: path.posix.join(containerPath, relative),
      url: joinUrl(url, relative),
    };
  });
}

/** Container paths under `dir` whose segments match `segments`. */
async function matchGlob(
  layout: Layout,
  dir: string,
  segments: string[],
): Promise<string[]> {
  const [first, ...rest] = segments;
  if (first === undefined) return [dir];
  if (!hasGlob(first)) {
    return matchGlob(layout, path.posix.join(dir, first), rest);
  }
  const host = hostPath(layout, dir);
  if (!host) return [];

  const pattern = segmentPattern(first);
  const entries = await readdir(host, { withFileTypes: true }).catch(() => []);
  const matches: string[] = [];
  for (const entry of entries
    .filter((e) => pattern.test(e.name))
    .sort((a, b) => a.name.localeCompare(b.name))) {
    if (rest.length > 0 && !entry.isDirectory()) continue;
    matches.push(
      ...(await matchGlob(layout, path.posix.join(dir, entry.name), rest)),
    );
  }
  return matches;
}

async function find(
  layout: Layout,
  output: TesOutput,
  links: string[],
): Promise<Found[]> {
  if (!hasGlob(output.path)) {
    const host = hostPath(layout, output.path);
    if (!host) return [];
    assertNoLinks(layout.root, host);
    return expand(host, output.path, output.url, links);
  }

  const prefix = output.path_prefix ?? '';
  const segments = output.path.split('/').filter(Boolean);
  const found: Found[] = [];
  for (const match of await matchGlob(layout, '/', segments)) {
    const host = hostPath(layout, match);
    if (!host) continue;
    assertNoLinks(layout.root, host);
    const url = joinUrl(
      output.url,
      match.slice(prefix.length).replace(/^\/+/, ''),
    );
    found.push(...(await expand(host, match, url, links)));
  }
  return found;
}

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
  const dest = fileURLToPath(url);
  await mkdir(path.dirname(dest), { recursive: true });
  await copyFile(source, dest);
  // Executors run as root: no setuid or setgid file leaves the task.
  const { mode } = await stat(dest);
  await chmod(dest, mode & 0o777);
  return pathToFileURL(dest).href;
}

async function store(found: Found): Promise<TesOutputFileLog> {
  // Measured before storing: what the log says is what was sent.
  const { size } = await stat(found.hostPath);
  return {
    url: await storeFile(found.hostPath, found.url),
    path: found.containerPath,
    size_bytes: String(size),
  };
}

/** Stores every output of the task laid out in `layout`. */
export async function storeOutputs(
  outputs: TesOutput[],
  layout: Layout,
): Promise<StoredOutputs> {
  const result: StoredOutputs = { logs: [], missing: [], links: [] };
  const files: Found[] = [];
  for (const output of outputs) {
    const found = await find(layout, output, result.links);
    if (found.length === 0 && !hasGlob(output.path))
      result.missing.push(output);
    files.push(...found);
  }
  // Logged in the order found, whichever upload ends first.
  const logs: TesOutputFileLog[] = new Array(files.length);
  await forEachLimited(files, PARALLEL_UPLOADS, async (file, i) => {
    logs[i] = await store(file);
  });
  result.logs = logs;
  return result;
}
