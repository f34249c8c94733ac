/**
 * Stores a task's outputs after its executors ran: files and directories
 * (recursively, one output file log per file) copied to file:// URLs.
 */
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TesOutput, TesOutputFileLog } from '../shared/tes';

/** One file found for an output, before it is stored. */
interface Found {
  hostPath: string;
  containerPath: string;
  url: string;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

function joinUrl(base: string, relative: string): string {
  const trimmed = base.replace(/\/+$/, '');
  const encoded = relative.split('/').map(encodeURIComponent).join('/');
  return `${trimmed}/${encoded}`;
}

async function find(output: TesOutput, host: string): Promise<Found[]> {
  const info = await stat(host).catch(() => undefined);
  if (!info) return [];
  if (!info.isDirectory()) {
    return [{ hostPath: host, containerPath: output.path, url: output.url }];
  }
  const files = await listFiles(host);
  return files.map((file) => {
    const relative = path.relative(host, file).split(path.sep).join('/');
    return {
      hostPath: file,
      containerPath: path.posix.join(output.path, relative),
      url: joinUrl(output.url, relative),
    };
  });
}

async function store(found: Found): Promise<TesOutputFileLog> {
  const scheme = new URL(found.url).protocol;
  if (scheme !== 'file:')
    throw new Error(`${found.url}: scheme ${scheme} is not supported`);
  const dest = fileURLToPath(found.url);
  await mkdir(path.dirname(dest), { recursive: true });
  await copyFile(found.hostPath, dest);
  const { size } = await stat(dest);
  return {
    url: pathToFileURL(dest).href,
    path: found.containerPath,
    size_bytes: String(size),
  };
}

/** What storing the outputs produced. */
export interface StoredOutputs {
  logs: TesOutputFileLog[];
  /** Declared outputs that the executors never produced. */
  missing: TesOutput[];
}

/** Stores every output found at the host path `hostOf` gives it. */
export async function storeOutputs(
  outputs: TesOutput[],
  hostOf: (output: TesOutput) => string | undefined,
): Promise<StoredOutputs> {
  const result: StoredOutputs = { logs: [], missing: [] };
  for (const output of outputs) {
    const host = hostOf(output);
    const found = host ? await find(output, host) : [];
    if (found.length === 0) result.missing.push(output);
    for (const file of found) result.logs.push(await store(file));
  }
  return result;
}
