/**
 * Validates responses against the official TES v1.1 OpenAPI document in
 * ../shared/tes. Schemas are tightened the way strict clients (py-tes)
 * read them: an object may carry only the properties its schema names.
 * MINIMAL task views are checked against a schema of id and state alone.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import Ajv from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { SHARED_DIR } from './paths';

const SERVICE_INFO_URL =
  'https://raw.githubusercontent.com/ga4gh-discovery/ga4gh-service-info/v1.0.0/service-info.yaml';

type Schema = Record<string, unknown>;

/**
 * Forbids properties a schema does not name, everywhere in `node`. The
 * members of an allOf stay open; their union is closed instead.
 */
function closeObjects(node: unknown, inAllOf = false): void {
  if (Array.isArray(node)) {
    for (const item of node) closeObjects(item, inAllOf);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const schema = node as Schema;
  if (schema.allOf) {
    schema.unevaluatedProperties = false;
  } else if (
    schema.properties &&
    schema.additionalProperties === undefined &&
    !inAllOf
  ) {
    schema.additionalProperties = false;
  }
  for (const [key, value] of Object.entries(schema)) {
    closeObjects(value, key === 'allOf');
  }
}

function load(file: string): Schema {
  return parse(
    readFileSync(path.join(SHARED_DIR, 'tes', file), 'utf8'),
  ) as Schema;
}

function build(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv
    .addFormat('int32', true)
    .addFormat('int64', true)
    .addFormat('double', true);
  ajv.addFormat('boolean', true);

  const tes = load('task_execution_service.openapi.yaml');
  const info = load('ga4gh-service-info-v1.0.0.yaml');
  closeObjects((tes.components as Schema).schemas);
  ajv.addSchema(info, SERVICE_INFO_URL);
  ajv.addSchema(tes, 'tes');
  ajv.addSchema(
    {
      type: 'object',
      required: ['id', 'state'],
      additionalProperties: false,
      properties: {
        id: { type: 'string' },
        state: { $ref: 'tes#/components/schemas/tesState' },
      },
    },
    'minimal',
  );
  return ajv;
}

const ajv = build();
const cache = new Map<string, ValidateFunction>();

function validator(name: string): ValidateFunction {
  let validate = cache.get(name);
  if (!validate) {
    const ref =
      name === 'minimalTask' ? 'minimal' : `tes#/components/schemas/${name}`;
    validate = ajv.getSchema(ref);
    if (!validate) throw new Error(`no schema ${name}`);
    cache.set(name, validate);
  }
  return validate;
}

/** Asserts that `value` is valid against the named schema. */
export function assertValid(name: string, value: unknown): void {
  const validate = validator(name);
  const valid = validate(value);
  assert.ok(
    valid,
    `${name} response is not valid: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`,
  );
}
