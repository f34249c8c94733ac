/**
 * The Terraform module in terraform/, checked against the manifest
 * (shared/topology.ts): the same functions with the same entry points and
 * triggers, the same topics, and nothing the manifest lacks. The HCL is
 * only parsed, offline; nothing is planned or applied.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import {
  FUNCTIONS,
  type FunctionSpec,
  TASKS_COLLECTION,
  TOPICS,
} from '../../shared/topology';
import { REPO_ROOT } from '../support/paths';

/** The one call used from @cdktf/hcl2json: HCL text to its JSON form. */
interface Hcl2Json {
  parse(filename: string, contents: string): Promise<unknown>;
}

// Loaded untyped on purpose: the package's declarations pull in the DOM
// lib (`/// <reference lib="dom" />`), whose fetch types then reject the
// Buffer bodies that local/trigger-gateway.ts sends.
const hcl2json = require('@cdktf/hcl2json') as Hcl2Json;

const TERRAFORM_DIR = path.join(REPO_ROOT, 'terraform');
const FUNCTION = 'google_cloudfunctions2_function';
const TOPIC = 'google_pubsub_topic';
const DEAD_LETTER_SUFFIX = '-dead-letter';

/** An HCL block (or object) as hcl2json renders it. */
type Body = Record<string, unknown>;

/** The parts of the module these checks read, merged over every file. */
interface TerraformModule {
  /** Resource bodies by type, then by resource name. */
  resources: Map<string, Map<string, Body>>;
  locals: Body;
  outputs: Map<string, Body>;
}

function isBody(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The single item of `items`; fails unless there is exactly one. */
function exactlyOne<T>(items: readonly T[], what: string): T {
  assert.equal(items.length, 1, `expected exactly one ${what}`);
  const [only] = items;
  assert.ok(only !== undefined, what);
  return only;
}

/** The body of a block that must occur once (hcl2json lists each block). */
function onlyBlock(value: unknown, what: string): Body {
  assert.ok(Array.isArray(value), `${what}: no such block`);
  const body: unknown = exactlyOne(value, `${what} block`);
  assert.ok(isBody(body), `${what}: not a block`);
  return body;
}

/** Adds one file's labelled blocks (`{label: [body]}`), refusing repeats. */
function addBlocks(into: Map<string, Body>, blocks: unknown, where: string) {
  if (blocks === undefined) return;
  assert.ok(isBody(blocks), `${where}: unexpected shape`);

  for (const [label, list] of Object.entries(blocks)) {
    assert.ok(!into.has(label), `${where}.${label} is declared twice`);
    into.set(label, onlyBlock(list, `${where}.${label}`));
  }
}

function addFile(module: TerraformModule, json: Body, file: string) {
  if (json.resource !== undefined) {
    assert.ok(isBody(json.resource), `${file}: unexpected resource shape`);
    for (const [type, blocks] of Object.entries(json.resource)) {
      const byName = module.resources.get(type) ?? new Map<string, Body>();
      addBlocks(byName, blocks, type);
      module.resources.set(type, byName);
    }
  }
  addBlocks(module.outputs, json.output, 'output');

  for (const locals of Array.isArray(json.locals) ? json.locals : []) {
    assert.ok(isBody(locals), `${file}: unexpected locals shape`);
    for (const [key, value] of Object.entries(locals)) {
      assert.ok(!(key in module.locals), `local.${key} is declared twice`);
      module.locals[key] = value;
    }
  }
}

async function loadModule(dir: string): Promise<TerraformModule> {
  const module: TerraformModule = {
    resources: new Map(),
    locals: {},
    outputs: new Map(),
  };
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort();
  assert.ok(files.length > 0, `no .tf file in ${dir}`);

  for (const file of files) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    const json = await hcl2json.parse(file, text);
    assert.ok(isBody(json), `${file}: unexpected parse result`);
    addFile(module, json, file);
  }
  return module;
}

function resourcesOf(tf: TerraformModule, type: string): [string, Body][] {
  return [...(tf.resources.get(type) ?? new Map<string, Body>())];
}

/** The literal names of every resource of `type`. */
function namesOf(tf: TerraformModule, type: string): string[] {
  return resourcesOf(tf, type).map(([label, body]) =>
    literalName(body, `${type}.${label}`),
  );
}

/** A value, or the local it names when it is just `${local.x}`. */
function resolveLocal(tf: TerraformModule, value: unknown): unknown {
  const local = /^\$\{local\.(\w+)\}$/.exec(String(value))?.[1];
  return local === undefined ? value : tf.locals[local];
}

/** A resource's `name`, which must be written out, not computed. */
function literalName(body: Body, where: string): string {
  const name = body.name;
  assert.ok(
    typeof name === 'string' && !name.includes('${'),
    `${where}: name must be a literal string, got ${JSON.stringify(name)}`,
  );
  return name;
}

/** The resource that `${type.name...}` points at. */
function referenced(tf: TerraformModule, expr: unknown, type: string): Body {
  const match = /^\$\{([\w-]+)\.([\w-]+)(\.[\w.[\]]+)?\}$/.exec(String(expr));
  assert.equal(match?.[1], type, `${String(expr)} does not point at a ${type}`);

  const body = tf.resources.get(type)?.get(match?.[2] ?? '');
  assert.ok(body, `${String(expr)} points at a resource that does not exist`);
  return body;
}

/** The one function resource named `name`, with its resource label. */
function functionNamed(tf: TerraformModule, name: string): [string, Body] {
  const found = resourcesOf(tf, FUNCTION).filter(
    ([label, body]) => literalName(body, `${FUNCTION}.${label}`) === name,
  );
  return exactlyOne(found, `${FUNCTION} named ${name}`);
}

function eventFilter(trigger: Body, attribute: string): Body {
  const filters = Array.isArray(trigger.event_filters)
    ? trigger.event_filters.filter(isBody)
    : [];
  const found = filters.filter((f) => f.attribute === attribute);
  return exactlyOne(found, `"${attribute}" event filter`);
}

function checkTrigger(tf: TerraformModule, fn: Body, spec: FunctionSpec) {
  const { trigger } = spec;
  if (trigger.kind === 'http') {
    assert.equal(fn.event_trigger, undefined, 'an HTTP function has no event');
    return;
  }

  const event = onlyBlock(fn.event_trigger, `${spec.name} event_trigger`);
  assert.equal(event.retry_policy, 'RETRY_POLICY_RETRY');
  if (trigger.kind === 'topic') {
    const type = 'google.cloud.pubsub.topic.v1.messagePublished';
    assert.equal(event.event_type, type);
    const topic = referenced(tf, event.pubsub_topic, TOPIC);
    assert.equal(literalName(topic, spec.name), trigger.topic);
    return;
  }

  assert.equal(event.event_type, trigger.eventType);
  assert.equal(
    event.pubsub_topic,
    undefined,
    'a document trigger has no topic',
  );
  assert.equal(eventFilter(event, 'database').value, '(default)');
  const document = eventFilter(event, 'document');
  assert.equal(document.operator, 'match-path-pattern');
  assert.equal(document.value, trigger.document);
}

/** Checks a local keyed by manifest names against the resources it lists. */
function checkNamedLocal(
  tf: TerraformModule,
  local: string,
  type: string,
  names: string[],
) {
  const map = tf.locals[local];
  assert.ok(isBody(map), `local.${local} must be a map`);
  assert.deepEqual(Object.keys(map).sort(), [...names].sort());

  for (const [key, expr] of Object.entries(map)) {
    const body = referenced(tf, expr, type);
    assert.equal(literalName(body, `local.${local}`), key);
  }
}

const manifestTopics: string[] = Object.values(TOPICS);
const triggerTopics: string[] = FUNCTIONS.flatMap((f) =>
  f.trigger.kind === 'topic' ? [f.trigger.topic] : [],
);

describe('terraform/ matches the manifest', () => {
  let tf: TerraformModule;
  before(async () => {
    tf = await loadModule(TERRAFORM_DIR);
  });

  it('declares every manifest function exactly once, by its name', () => {
    for (const spec of FUNCTIONS) functionNamed(tf, spec.name);
  });

  it('declares no function that the manifest lacks', () => {
    const known = new Set(FUNCTIONS.map((f) => f.name));
    const extra = namesOf(tf, FUNCTION).filter((name) => !known.has(name));
    assert.deepEqual(extra, []);
  });

  for (const spec of FUNCTIONS) {
    it(`builds ${spec.name} on nodejs20 with entry point ${spec.name}`, () => {
      const [, fn] = functionNamed(tf, spec.name);
      const build = onlyBlock(fn.build_config, `${spec.name} build_config`);
      assert.equal(build.entry_point, spec.name);
      assert.equal(build.runtime, 'nodejs20');
      assert.deepEqual(build.environment_variables, {
        GOOGLE_NODE_RUN_SCRIPTS: 'build',
      });
    });

    it(`triggers ${spec.name} as the manifest says (${spec.trigger.kind})`, () => {
      const [, fn] = functionNamed(tf, spec.name);
      checkTrigger(tf, fn, spec);
    });

    it(`runs ${spec.name} in gcp mode with the project and zones`, () => {
      const [, fn] = functionNamed(tf, spec.name);
      const service = onlyBlock(fn.service_config, `${spec.name} service`);
      const env = resolveLocal(tf, service.environment_variables);
      assert.ok(isBody(env), `${spec.name}: no environment variables`);
      assert.equal(env.TES_MODE, 'gcp');
      assert.ok(env.TES_PROJECT, 'TES_PROJECT is set');
      assert.ok(env.TES_ZONES, 'TES_ZONES is set');
      assert.match(String(env.TES_LOGS_URL), /^gs:\/\/\$\{.+\}\/logs$/);
    });
  }

  it('declares every manifest topic exactly once, by its name', () => {
    const names = namesOf(tf, TOPIC);
    for (const topic of manifestTopics) {
      assert.equal(names.filter((n) => n === topic).length, 1, topic);
    }
  });

  it('declares no topic but the manifest ones and their dead letters', () => {
    const allowed = new Set([
      ...manifestTopics,
      ...triggerTopics.map((t) => `${t}${DEAD_LETTER_SUFFIX}`),
    ]);
    const extra = namesOf(tf, TOPIC).filter((name) => !allowed.has(name));
    assert.deepEqual(extra, []);
  });

  it('gives every topic that triggers a function a dead-letter topic', () => {
    const names = new Set(namesOf(tf, TOPIC));
    const missing = triggerTopics.filter(
      (t) => !names.has(`${t}${DEAD_LETTER_SUFFIX}`),
    );
    assert.deepEqual(missing, []);
  });

  it('lists the functions and topics in locals under their manifest names', () => {
    const functionNames = FUNCTIONS.map((f) => f.name);
    checkNamedLocal(tf, 'functions', FUNCTION, functionNames);
    checkNamedLocal(tf, 'topics', TOPIC, manifestTopics);
  });

  it('outputs the API URL of the HTTP function under /ga4gh/tes/v1', () => {
    const http = FUNCTIONS.find((f) => f.trigger.kind === 'http');
    assert.ok(http, 'the manifest has an HTTP function');
    const [label] = functionNamed(tf, http.name);
    const output = tf.outputs.get('api_url');
    assert.ok(output, 'output api_url exists');
    const value = String(output.value);
    assert.match(value, /\/ga4gh\/tes\/v1$/);
    assert.ok(value.startsWith(`\${${FUNCTION}.${label}.`), value);
  });

  it('declares the composite indexes of firestore.indexes.json', () => {
    const indexes = resourcesOf(tf, 'google_firestore_index');
    const [label, body] = exactlyOne(indexes, 'index resource');
    assert.match(String(body.for_each), /local\.firestore_indexes/, label);
    assert.match(
      String(tf.locals.firestore_indexes),
      /file\("\$\{path\.module\}\/\.\.\/firestore\.indexes\.json"\)/,
    );
    const declared = JSON.parse(
      readFileSync(path.join(REPO_ROOT, 'firestore.indexes.json'), 'utf8'),
    ) as { indexes: Array<{ collectionGroup: string }> };
    assert.ok(declared.indexes.length > 0, 'the list query needs indexes');
    for (const index of declared.indexes) {
      assert.equal(index.collectionGroup, TASKS_COLLECTION);
    }
  });
});
