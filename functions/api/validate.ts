/**
 * Validation of a CreateTask request. Every problem is collected with its
 * field path, so that a client learns everything wrong in one answer.
 */
import path from 'node:path';
import { type FieldProblem, ValidationError } from '../../shared/errors';
import type {
  TesExecutor,
  TesInput,
  TesOutput,
  TesResources,
  TesTaskRequest,
} from '../../shared/tes';

/** URL schemes the service can read inputs from. */
export const INPUT_SCHEMES = ['file', 'http', 'https'];
/** URL schemes the service can write outputs to. */
export const OUTPUT_SCHEMES = ['file'];

type Json = Record<string, unknown>;

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

function isSystemPath(p: string): boolean {
  return SYSTEM_FOLDERS.some((s) => p === s || p.startsWith(`${s}/`));
}

class Checker {
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
      path.posix.normalize(value).replace(/(.)\/$/, '$1') !==
      value.replace(/(.)\/$/, '$1')
    ) {
      this.fail(field, 'must be a normal path (no "//" or "/./")');
    } else if (kind !== 'folder' && /^\/[^/]*$/.test(value)) {
      this.fail(field, 'must be inside a folder, not directly under /');
    } else if (isSystemPath(value)) {
      this.fail(
        field,
        `must not be in a system folder (${SYSTEM_FOLDERS.join(', ')})`,
      );
    }
  }

  url(value: string, schemes: string[], field: string): void {
    let scheme: string;
    try {
      scheme = new URL(value).protocol.replace(/:$/, '');
    } catch {
      this.fail(field, 'is not a valid URL');
      return;
    }
    if (!schemes.includes(scheme)) {
      this.fail(
        field,
        `scheme "${scheme}" is not supported (supported: ${schemes.join(', ')})`,
      );
    }
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

function checkExecutor(c: Checker, value: unknown, field: string): void {
  if (!c.isObject(value, field)) return;
  c.requiredString(value, 'image', field);
  const command = value.command;
  if (!Array.isArray(command) || command.length === 0) {
    c.fail(
      `${field}.command`,
      command === undefined
        ? 'required'
        : 'must be a non-empty array of strings',
    );
  } else if (!command.every((arg) => typeof arg === 'string')) {
    c.fail(`${field}.command`, 'must contain only strings');
  } else if (command[0] === '') {
    c.fail(`${field}.command[0]`, 'must name a program');
  } else if (command.some((arg) => arg.includes('\0'))) {
    c.fail(`${field}.command`, 'must not contain a NUL character');
  }
  if (value.workdir !== undefined) {
    c.containerPath(value.workdir, `${field}.workdir`, 'folder');
  }
  for (const key of ['stdin', 'stdout', 'stderr']) {
    if (value[key] !== undefined) {
      c.containerPath(value[key], `${field}.${key}`, 'stdio');
    }
  }
  c.stringMap(value.env, `${field}.env`);
  for (const [key, entry] of Object.entries(
    (value.env as Json | undefined) ?? {},
  )) {
    if (key.includes('=') || key.includes('\0')) {
      c.fail(`${field}.env`, `"${key}" is not a valid variable name`);
    } else if (typeof entry === 'string' && entry.includes('\0')) {
      c.fail(`${field}.env.${key}`, 'must not contain a NUL character');
    }
  }
  if (
    value.ignore_error !== undefined &&
    typeof value.ignore_error !== 'boolean'
  ) {
    c.fail(`${field}.ignore_error`, 'must be a boolean');
  }
}

function checkInput(c: Checker, value: unknown, field: string): void {
  if (!c.isObject(value, field)) return;
  c.containerPath(
    value.path,
    `${field}.path`,
    value.type === 'DIRECTORY' ? 'folder' : 'files',
  );
  c.fileType(value, field);
  c.optionalString(value, 'name', field);
  c.optionalString(value, 'description', field);
  if (value.streamable !== undefined && typeof value.streamable !== 'boolean') {
    c.fail(`${field}.streamable`, 'must be a boolean');
  }
  const hasUrl = value.url !== undefined;
  const hasContent = value.content !== undefined;
  if (hasUrl === hasContent) {
    c.fail(field, 'must have exactly one of url and content');
  } else if (hasContent) {
    c.optionalString(value, 'content', field);
    if (value.type === 'DIRECTORY')
      c.fail(`${field}.type`, 'content inputs are files');
  } else if (c.requiredString(value, 'url', field)) {
    c.url(value.url as string, INPUT_SCHEMES, `${field}.url`);
  }
}

function checkOutput(c: Checker, value: unknown, field: string): void {
  if (!c.isObject(value, field)) return;
  c.optionalString(value, 'path_prefix', field);
  c.containerPath(
    value.path,
    `${field}.path`,
    value.type === 'DIRECTORY' ? 'folder' : 'files',
  );
  c.fileType(value, field);
  c.optionalString(value, 'name', field);
  c.optionalString(value, 'description', field);
  if (c.requiredString(value, 'url', field)) {
    c.url(value.url as string, OUTPUT_SCHEMES, `${field}.url`);
  }
}

function checkResources(c: Checker, value: unknown, field: string): void {
  if (value === undefined || !c.isObject(value, field)) return;
  for (const key of ['cpu_cores', 'ram_gb', 'disk_gb']) {
    const n = value[key];
    if (n !== undefined && (typeof n !== 'number' || !(n > 0))) {
      c.fail(`${field}.${key}`, 'must be a positive number');
    }
  }
  for (const key of ['preemptible', 'backend_parameters_strict']) {
    if (value[key] !== undefined && typeof value[key] !== 'boolean') {
      c.fail(`${field}.${key}`, 'must be a boolean');
    }
  }
  const zones = value.zones;
  if (
    zones !== undefined &&
    (!Array.isArray(zones) || !zones.every((z) => typeof z === 'string'))
  ) {
    c.fail(`${field}.zones`, 'must be an array of strings');
  }
  c.stringMap(value.backend_parameters, `${field}.backend_parameters`);
}

function checkList(
  c: Checker,
  body: Json,
  key: string,
  each: (c: Checker, v: unknown, f: string) => void,
): void {
  const list = body[key];
  if (list === undefined) return;
  if (!Array.isArray(list)) {
    c.fail(key, 'must be an array');
    return;
  }
  list.forEach((item, i) => {
    each(c, item, `${key}[${i}]`);
  });
}

const EXECUTOR_FIELDS = [
  'image',
  'command',
  'workdir',
  'stdin',
  'stdout',
  'stderr',
  'env',
  'ignore_error',
];
const INPUT_FIELDS = [
  'name',
  'description',
  'url',
  'path',
  'type',
  'content',
  'streamable',
];
const OUTPUT_FIELDS = [
  'name',
  'description',
  'url',
  'path',
  'path_prefix',
  'type',
];
const RESOURCE_FIELDS = [
  'cpu_cores',
  'preemptible',
  'ram_gb',
  'disk_gb',
  'zones',
  'backend_parameters',
  'backend_parameters_strict',
];

function pick(obj: Json, fields: string[]): Json {
  return Object.fromEntries(
    fields.filter((f) => obj[f] !== undefined).map((f) => [f, obj[f]]),
  );
}

// A UTF-16 surrogate without its pair: JSON can carry one, UTF-8 cannot.
const LONE_SURROGATE =
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The most deeply a CreateTask body may nest (the spec needs 4). */
export const MAX_DEPTH = 32;

/** Whether `value` nests deeper than MAX_DEPTH, checked without recursion. */
function tooDeep(value: unknown): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [node, depth] = item;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_DEPTH) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Reports every string (or key) in `value` that is not valid Unicode. */
function checkUnicode(c: Checker, value: unknown, field: string): void {
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value))
      c.fail(field || 'body', 'is not valid Unicode text');
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      checkUnicode(c, item, `${field}[${i}]`);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const path = field ? `${field}.${key}` : key;
      if (LONE_SURROGATE.test(key))
        c.fail(path, 'has a key that is not valid Unicode text');
      else checkUnicode(c, item, path);
    }
  }
}

/**
 * Checks a CreateTask body and returns it typed, or throws a
 * ValidationError listing every problem.
 */
export function validateTaskRequest(body: unknown): TesTaskRequest {
  const c = new Checker();
  if (!c.isObject(body, 'body')) throw new ValidationError(c.problems);
  if (tooDeep(body)) {
    c.fail('body', `nests deeper than ${MAX_DEPTH} levels`);
    throw new ValidationError(c.problems);
  }

  c.optionalString(body, 'name', '');
  c.optionalString(body, 'description', '');
  if (!Array.isArray(body.executors) || body.executors.length === 0) {
    c.fail(
      'executors',
      body.executors === undefined ? 'required' : 'must be a non-empty array',
    );
  } else {
    checkList(c, body, 'executors', checkExecutor);
  }
  checkList(c, body, 'inputs', checkInput);
  checkList(c, body, 'outputs', checkOutput);
  checkList(c, body, 'volumes', (c2, v, f) => c2.containerPath(v, f, 'folder'));
  checkResources(c, body.resources, 'resources');
  c.stringMap(body.tags, 'tags');
  checkUnicode(c, body, '');

  if (c.problems.length > 0) throw new ValidationError(c.problems);
  // Only the fields the specification defines are kept.
  const list = (key: string) => (body[key] as Json[] | undefined) ?? [];
  return {
    name: body.name as string | undefined,
    description: body.description as string | undefined,
    executors: list('executors').map(
      (e) => pick(e, EXECUTOR_FIELDS) as unknown as TesExecutor,
    ),
    inputs: list('inputs').map(
      (i) => pick(i, INPUT_FIELDS) as unknown as TesInput,
    ),
    outputs: list('outputs').map(
      (o) => pick(o, OUTPUT_FIELDS) as unknown as TesOutput,
    ),
    resources: body.resources
      ? (pick(body.resources as Json, RESOURCE_FIELDS) as TesResources)
      : undefined,
    volumes: (body.volumes as string[] | undefined) ?? [],
    tags: (body.tags as Record<string, string> | undefined) ?? {},
  };
}
