/**
 * The checks CreateTask validation is made of: a collector of problems
 * with their field paths, and the rules for container paths and maps.
 */
import path from 'node:path';
import type { FieldProblem } from '../../shared/errors';
import { urlProblem } from '../../shared/storage-url';

/** A JSON object as the request carries it. */
export type Json = Record<string, unknown>;

/** Folders of the container's own system, never the place for task files. */
export const SYSTEM_FOLDERS = [
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/sbin',
  '/sys',
  '/usr',
];

/** The longest file name a file system holds, in bytes. */
const MAX_NAME_BYTES = 255;

function isSystemPath(p: string): boolean {
  return SYSTEM_FOLDERS.some((s) => p === s || p.startsWith(`${s}/`));
}

/** Collects every problem of a request, each with its field path. */
export class Checker {
  readonly problems: FieldProblem[] = [];

  fail(field: string, message: string): void {
    this.problems.push({ field, message });
  }

  isObject(value: unknown, field: string): value is Json {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return true;
    }
    this.fail(field, 'must be an object');
    return false;
  }

  optionalString(obj: Json, key: string, field: string): void {
    if (obj[key] !== undefined && typeof obj[key] !== 'string') {
      this.fail(field ? `${field}.${key}` : key, 'must be a string');
    }
  }

  requiredString(obj: Json, key: string, field: string): boolean {
    const value = obj[key];
    if (typeof value === 'string' && value.trim() !== '') return true;
    this.fail(
      `${field}.${key}`,
      value === undefined ? 'required' : 'must be a non-empty string',
    );
    return false;
  }

  /**
   * A path in the container where the task's files live: absolute, with
   * no "..", inside a folder of its own, and clear of the system folders
   * every executor needs (mounting over them would hide the programs).
   */
  containerPath(
    value: unknown,
    field: string,
    kind: 'files' | 'folder' | 'stdio' = 'files',
  ): void {
    if (kind === 'stdio' && value === '/dev/null') return;
    if (typeof value !== 'string' || value === '') {
      this.fail(
        field,
        value === undefined ? 'required' : 'must be a non-empty string',
      );
    } else if (!value.startsWith('/')) {
      this.fail(field, 'must be an absolute path');
    } else if (value.split('/').includes('..')) {
      this.fail(field, 'must not contain ".."');
    } else if (value.includes('\0')) {
      this.fail(field, 'must not contain a NUL character');
    } else if (
      value.split('/').some((part) => Buffer.byteLength(part) > MAX_NAME_BYTES)
    ) {
      this.fail(field, `each part must be at most ${MAX_NAME_BYTES} bytes`);
    } else if (
      path.posix.normalize(value).replace(/(.)\/$/, '$1') !==
      value.replace(/(.)\/$/, '$1')
    ) {
      this.fail(field, 'must be a normal path (no "//" or "/./")');
    } else if (kind !== 'folder' && value.endsWith('/')) {
      this.fail(field, 'names a file: it must not end in "/"');
    } else if (kind !== 'folder' && /^\/[^/]*$/.test(value)) {
      this.fail(field, 'must be inside a folder, not directly under /');
    } else if (isSystemPath(value)) {
      this.fail(
        field,
        `must not be in a system folder (${SYSTEM_FOLDERS.join(', ')})`,
      );
    }
  }

  /** A URL of one of `schemes` (see urlProblem). */
  url(
    value: string,
    schemes: string[],
    field: string,
    needsObject = false,
  ): void {
    const problem = urlProblem(value, schemes, needsObject);
    if (problem) this.fail(field, problem);
  }

  fileType(obj: Json, field: string): void {
    const type = obj.type;
    if (type !== undefined && type !== 'FILE' && type !== 'DIRECTORY') {
      this.fail(`${field}.type`, 'must be FILE or DIRECTORY');
    }
  }

  stringMap(value: unknown, field: string): void {
    if (value === undefined || !this.isObject(value, field)) return;
    for (const [key, entry] of Object.entries(value)) {
      if (typeof entry !== 'string') {
        this.fail(`${field}.${key}`, 'must be a string');
      }
      // Firestore field names: not empty, not __reserved__, 1500 bytes.
      if (key === '') this.fail(field, 'keys must not be empty');
      else if (/^__.*__$/.test(key)) {
        this.fail(`${field}.${key}`, 'keys of the form __name__ are reserved');
      } else if (Buffer.byteLength(key) > 1500) {
        this.fail(field, 'keys must be at most 1500 bytes');
      }
    }
  }
}
