/**
 * Stores a task's outputs after its executors ran: files, directories
 * (recursively, one output file log per file) and wildcard patterns, to
 * file:// URLs. Nothing is followed through a symbolic link the task may
 * have planted, and a declared output that is missing is reported, not
 * an error.
 */
import { chmod, copyFile, lstat, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TesOutput, TesOutputFileLog } from '../shared/tes';
import { hasGlob, segmentPattern } from './glob';
import { hostPath, type Layout } from './layout';
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

function joinUrl(base: string, relative: string): string {
  const encoded = relative.split('/').map(encodeURIComponent).join('/');
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

async function store(found: Found): Promise<TesOutputFileLog> {
  const scheme = new URL(found.url).protocol;
  if (scheme !== 'file:')
    throw new Error(`${found.url}: scheme ${scheme} is not supported`);
  const dest = fileURLToPath(found.url);
  await mkdir(path.dirname(dest), { recursive: true });
  await copyFile(found.hostPath, dest);
  // Executors run as root: no setuid or setgid file leaves the task.
  const { mode } = await stat(dest);
  await chmod(dest, mode & 0o777);
  const { size } = await stat(dest);
  return {
    url: pathToFileURL(dest).href,
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
  for (const output of outputs) {
    const found = await find(layout, output, result.links);
    if (found.length === 0 && !hasGlob(output.path))
      result.missing.push(output);
    for (const file of found) result.logs.push(await store(file));
  }
  return result;
}
