/**
 * Stores a task's outputs after its executors ran: files, directories
 * (recursively, one output file log per file) and wildcard patterns, to
 * file:// and gs:// URLs, a few at a time. Nothing is followed through a
 * symbolic link the task may have planted, and a declared output that is
 * missing is reported, not an error.
 */
import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseGsUrl } from '../shared/gs-url';
import type { TesOutput, TesOutputFileLog } from '../shared/tes';
import { hasGlob, segmentPattern } from './glob';
import { hostPath, type Layout } from './layout';
import { forEachLimited } from './pool';
import { assertNoLinks } from './safe-paths';
import { storeFile } from './store-file';

/** One file found for an output, before it is stored. */
interface Found {
  hostPath: string;
  containerPath: string;
  url: string;
}

/** A file not stored, and why: a symbolic link, a name no URL can carry. */
export interface Skipped {
  path: string;
  reason: string;
}

/** What storing the outputs produced. */
export interface StoredOutputs {
  /** One per file stored, even when storing the rest failed. */
  logs: TesOutputFileLog[];
  /** Declared outputs (not patterns) that the executors never produced. */
  missing: TesOutput[];
  /** Declared folders that the executors left empty. */
  empty: TesOutput[];
  skipped: Skipped[];
  /** Why storing stopped, when a file could not be stored. */
  error?: string;
}

/** How many output files are stored at once. */
export const PARALLEL_UPLOADS = 4;

/**
 * The URL of a file below `base`. file:// URLs are percent-encoded;
 * gs:// URLs carry object names as they are (see shared/gs-url.ts).
 */
function joinUrl(base: string, relative: string): string {
  // A pattern may match its path_prefix itself: the file is the URL.
  if (relative === '') return base;
  const encoded = base.startsWith('gs://')
    ? relative
    : relative.split('/').map(encodeURIComponent).join('/');
  return `${base.replace(/\/+$/, '')}/${encoded}`;
}

const LINK = 'is a symbolic link';
const NOT_UTF8 = 'has a name that is not valid UTF-8';

/**
 * Whether Node cannot name `file` again: a name that is not UTF-8 comes
 * back from readdir with U+FFFD in it, and that path does not exist.
 */
async function unnameable(file: string): Promise<boolean> {
  if (!file.includes('\uFFFD')) return false;
  return lstat(file).then(
    () => false,
    () => true,
  );
}

/**
 * The regular files under `dir`, and what among its entries is not one:
 * links (never followed, so a linked folder's files are not listed),
 * FIFOs and devices, and names that are not valid UTF-8 (which Node
 * cannot name again to open).
 */
async function filesUnder(dir: string) {
  const files: string[] = [];
  const skipped: Array<{ file: string; reason: string }> = [];
  // Folder by folder: a folder whose name is not UTF-8 cannot be listed.
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const file = path.join(folder, entry.name);
      if (await unnameable(file)) {
        skipped.push({ file, reason: NOT_UTF8 });
      } else if (entry.isSymbolicLink()) {
        skipped.push({ file, reason: LINK });
      } else if (entry.isDirectory()) {
        await walk(file);
      } else if (entry.isFile()) {
        files.push(file);
      } else {
        skipped.push({ file, reason: 'is not a regular file' });
      }
    }
  };
  await walk(dir);
  return { files: files.sort(), skipped };
}

/**
 * The file of `url`, or why it cannot be stored there: a gs:// object
 * name the task's file names cannot make (a line break, too long).
 */
function found(host: string, containerPath: string, url: string) {
  const gs = url.startsWith('gs://') ? parseGsUrl(url) : undefined;
  if (gs && 'problem' in gs) {
    return { skipped: { path: containerPath, reason: gs.problem } };
  }
  return { file: { hostPath: host, containerPath, url } };
}

/** The files of one host path: itself, or every file of a directory. */
async function expand(
  host: string,
  containerPath: string,
  url: string,
  skipped: Skipped[],
): Promise<Found[]> {
  const info = await lstat(host).catch(() => undefined);
  if (!info) {
    // A wildcard match whose name is not UTF-8 is found but cannot be read.
    if (await unnameable(host)) {
      skipped.push({ path: containerPath, reason: NOT_UTF8 });
    }
    return [];
  }
  if (info.isSymbolicLink()) {
    skipped.push({ path: containerPath, reason: LINK });
    return [];
  }
  if (!info.isFile() && !info.isDirectory()) {
    skipped.push({ path: containerPath, reason: 'is not a regular file' });
    return [];
  }
  const relativeOf = (file: string) =>
    path.relative(host, file).split(path.sep).join('/');
  const listed = info.isFile()
    ? { files: [host], skipped: [] }
    : await filesUnder(host);
  for (const { file, reason } of listed.skipped) {
    const at = path.posix.join(containerPath, relativeOf(file));
    skipped.push({ path: at, reason });
  }

  const files: Found[] = [];
  for (const file of listed.files) {
    const relative = relativeOf(file);
    const result = info.isFile()
      ? found(file, containerPath, url)
      : found(
          file,
          path.posix.join(containerPath, relative),
          joinUrl(url, relative),
        );
    if (result.file) files.push(result.file);
    else skipped.push(result.skipped);
  }
  return files;
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
    const at = path.posix.join(dir, entry.name);
    // A folder that cannot be named again is reported by expand().
    if (rest.length > 0 && (await unnameable(path.join(host, entry.name)))) {
      matches.push(at);
      continue;
    }
    matches.push(
      ...(await matchGlob(layout, path.posix.join(dir, entry.name), rest)),
    );
  }
  return matches;
}

async function find(
  layout: Layout,
  output: TesOutput,
  skipped: Skipped[],
): Promise<Found[]> {
  // Links above the output are refused outright; the output itself, or a
  // match, may be a link, which expand() skips and reports.
  if (!hasGlob(output.path)) {
    const host = hostPath(layout, output.path);
    if (!host) return [];
    assertNoLinks(layout.root, path.dirname(host));
    return expand(host, output.path, output.url, skipped);
  }

  const prefix = output.path_prefix ?? '';
  const segments = output.path.split('/').filter(Boolean);
  const files: Found[] = [];
  for (const match of await matchGlob(layout, '/', segments)) {
    const host = hostPath(layout, match);
    if (!host) continue;
    assertNoLinks(layout.root, path.dirname(host));
    const url = joinUrl(
      output.url,
      match.slice(prefix.length).replace(/^\/+/, ''),
    );
    files.push(...(await expand(host, match, url, skipped)));
  }
  return files;
}

async function store(found: Found): Promise<TesOutputFileLog> {
  try {
    // Measured before storing: what the log says is what was sent.
    const { size } = await stat(found.hostPath);
    return {
      url: await storeFile(found.hostPath, found.url),
      path: found.containerPath,
      size_bytes: String(size),
    };
  } catch (error) {
    throw new Error(
      `${found.containerPath} -> ${found.url}: ${(error as Error).message}`,
    );
  }
}

/** Whether the container path is a folder on the host (an empty one). */
async function isFolder(layout: Layout, containerPath: string) {
  const host = hostPath(layout, containerPath);
  const info = host ? await lstat(host).catch(() => undefined) : undefined;
  return info?.isDirectory() ?? false;
}

/**
 * Stores every output of the task laid out in `layout`, a few files at a
 * time. Once `signal` aborts (a cancel), no further file is started.
 */
export async function storeOutputs(
  outputs: TesOutput[],
  layout: Layout,
  signal?: AbortSignal,
): Promise<StoredOutputs> {
  const result: StoredOutputs = {
    logs: [],
    missing: [],
    empty: [],
    skipped: [],
  };
  const files: Found[] = [];
  for (const output of outputs) {
    const before = result.skipped.length;
    const found = await find(layout, output, result.skipped);
    files.push(...found);
    const skipped = result.skipped.length > before;
    if (found.length > 0 || skipped || hasGlob(output.path)) continue;
    if (await isFolder(layout, output.path)) result.empty.push(output);
    else result.missing.push(output);
  }

  // Logged in the order found, whichever upload ends first.
  const logs: TesOutputFileLog[] = new Array(files.length);
  try {
    await forEachLimited(
      files,
      PARALLEL_UPLOADS,
      async (file, i) => {
        logs[i] = await store(file);
      },
      signal,
    );
  } catch (error) {
    result.error = (error as Error).message;
  }
  result.logs = logs.filter(Boolean);
  return result;
}
