/**
 * Checks JSON bodies against the Compute Engine message definitions that
 * ship in @google-cloud/compute (build/protos/protos.json): every field
 * must exist in the message, with a value of its type in the proto3 JSON
 * mapping the REST API speaks. Compute Engine declares most enumerated
 * fields as strings beside a nested enum named after the field
 * (`provisioningModel` and `Scheduling.ProvisioningModel`); such a value
 * must be one of that enum's names.
 */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

const PACKAGE = 'google.cloud.compute.v1';

let root: protobuf.Root | undefined;

/** The definitions, parsed once (about 12 MB of JSON). */
function definitions(): protobuf.Root {
  if (!root) {
    const file = require.resolve(
      '@google-cloud/compute/build/protos/protos.json',
    );
    root = protobuf.Root.fromJSON(JSON.parse(readFileSync(file, 'utf8')));
  }
  return root;
}

/** The message type `google.cloud.compute.v1.<name>`. */
export function computeMessage(name: string): protobuf.Type {
  return definitions().lookupType(`${PACKAGE}.${name}`);
}

const INTEGERS_32 = new Set([
  'int32',
  'uint32',
  'sint32',
  'fixed32',
  'sfixed32',
]);
const INTEGERS_64 = new Set([
  'int64',
  'uint64',
  'sint64',
  'fixed64',
  'sfixed64',
]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function scalarProblem(type: string, value: unknown): string | undefined {
  const ok =
    type === 'string' || type === 'bytes'
      ? typeof value === 'string'
      : type === 'bool'
        ? typeof value === 'boolean'
        : type === 'double' || type === 'float'
          ? typeof value === 'number'
          : INTEGERS_32.has(type)
            ? Number.isInteger(value)
            : INTEGERS_64.has(type)
              ? // 64-bit integers travel as decimal strings in proto3 JSON.
                (typeof value === 'string' && /^-?\d+$/.test(value)) ||
                Number.isInteger(value)
              : false;
  return ok ? undefined : `expected ${type}, got ${JSON.stringify(value)}`;
}

/** The nested enum that lists a string field's allowed values, if any. */
function companionEnum(
  parent: protobuf.Type,
  field: protobuf.Field,
): protobuf.Enum | undefined {
  const name = field.name.charAt(0).toUpperCase() + field.name.slice(1);
  const nested = parent.nested?.[name];
  return nested instanceof protobuf.Enum ? nested : undefined;
}

function checkValue(
  parent: protobuf.Type,
  field: protobuf.Field,
  value: unknown,
  at: string,
  problems: string[],
): void {
  const resolved = field.resolve().resolvedType;
  if (resolved instanceof protobuf.Type) {
    checkFields(resolved, value, at, problems);
    return;
  }
  const allowed =
    resolved instanceof protobuf.Enum
      ? resolved
      : field.type === 'string'
        ? companionEnum(parent, field)
        : undefined;
  if (allowed && typeof value === 'string') {
    if (!(value in allowed.values)) {
      problems.push(`${at}: "${value}" is not a ${allowed.fullName} value`);
    }
    return;
  }
  const problem = scalarProblem(field.type, value);
  if (problem) problems.push(`${at}: ${problem}`);
}

function checkField(
  type: protobuf.Type,
  field: protobuf.Field,
  value: unknown,
  at: string,
  problems: string[],
): void {
  if (field instanceof protobuf.MapField) {
    if (!isPlainObject(value)) {
      problems.push(`${at}: expected a map`);
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      checkValue(type, field, item, `${at}.${key}`, problems);
    }
  } else if (field.repeated) {
    if (!Array.isArray(value)) {
      problems.push(`${at}: expected a list`);
      return;
    }
    value.forEach((item, i) => {
      checkValue(type, field, item, `${at}[${i}]`, problems);
    });
  } else {
    checkValue(type, field, value, at, problems);
  }
}

function checkFields(
  type: protobuf.Type,
  value: unknown,
  at: string,
  problems: string[],
): void {
  if (!isPlainObject(value)) {
    problems.push(`${at}: expected a ${type.fullName} object`);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const field = type.fields[key];
    if (!field) {
      problems.push(`${at}.${key}: no such field in ${type.fullName}`);
      continue;
    }
    checkField(type, field, item, `${at}.${key}`, problems);
  }
}

/**
 * The problems of `body` as a `google.cloud.compute.v1.<name>`, each with
 * its field path; empty when every field exists with the right type.
 */
export function checkComputeMessage(name: string, body: unknown): string[] {
  const problems: string[] = [];
  checkFields(computeMessage(name), body, name, problems);
  return problems;
}
