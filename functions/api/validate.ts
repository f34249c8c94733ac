/**
 * Validation of a CreateTask request. Every problem is collected with its
 * field path, so that a client learns everything wrong in one answer.
 */
import { ValidationError } from '../../shared/errors';
import { INPUT_SCHEMES, OUTPUT_SCHEMES } from '../../shared/storage-url';
import {
  hasGlob,
  type TesExecutor,
  type TesInput,
  type TesOutput,
  type TesResources,
  type TesTaskRequest,
} from '../../shared/tes';
import { Checker, type Json } from './checker';
import {
  EXECUTOR_FIELDS,
  INPUT_FIELDS,
  OUTPUT_FIELDS,
  pick,
  RESOURCE_FIELDS,
} from './spec-fields';

/** An image reference as Docker reads one: never an option, one word. */
const IMAGE = /^[^\s\p{Cc}-][^\s\p{Cc}]*$/u;

function checkExecutor(c: Checker, value: unknown, field: string): void {
  if (!c.isObject(value, field)) return;
  if (
    c.requiredString(value, 'image', field) &&
    !IMAGE.test(value.image as string)
  ) {
    c.fail(
      `${field}.image`,
      'must be an image reference (no leading "-", no spaces or control characters)',
    );
  }
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
    c.url(
      value.url as string,
      INPUT_SCHEMES,
      `${field}.url`,
      value.type !== 'DIRECTORY',
    );
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
    // A wildcard or a folder writes under its URL; a file is one object.
    const single =
      value.type !== 'DIRECTORY' && !hasGlob(String(value.path ?? ''));
    c.url(value.url as string, OUTPUT_SCHEMES, `${field}.url`, single);
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
