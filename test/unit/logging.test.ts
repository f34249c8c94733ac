/**
 * Production logging: everything a process writes to stdout in gcp mode
 * is one JSON object per line, with a severity, a constant message and
 * labels (the component, and the task id and attempt when the line is
 * about one), as Cloud Functions and the VM's logging agent expect. The
 * lines come from a child process (test/support/log-in-production.ts)
 * whose whole stdout is read, with no network allowed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { before, describe, it } from 'node:test';

const FIXTURE = path.join(__dirname, '..', 'support', 'log-in-production.js');
const LABELS = 'logging.googleapis.com/labels';

type Entry = Record<string, unknown>;

let lines: string[];
let entries: Entry[];

function labelsOf(entry: Entry | undefined): Record<string, string> {
  return (entry?.[LABELS] ?? {}) as Record<string, string>;
}

function entry(message: string): Entry {
  const found = entries.find((e) => e.message === message);
  assert.ok(found, `a line with message "${message}"`);
  return found;
}

before(() => {
  const run = spawnSync(process.execPath, [FIXTURE], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      METADATA_SERVER_DETECTION: 'none',
      TES_MODE: 'gcp',
    },
  });
  assert.equal(run.stderr, '', 'nothing on stderr');
  assert.equal(run.status, 0);
  lines = run.stdout.split('\n').filter((line) => line !== '');
  entries = lines.map((line) => JSON.parse(line) as Entry);
});

describe('production logging', () => {
  it('writes one JSON object per line, and every logged line once', () => {
    assert.equal(lines.length, 6, 'six lines above the debug level');
    for (const e of entries) {
      assert.equal(typeof e, 'object');
      assert.ok(!Array.isArray(e));
    }
  });

  it('gives every line a severity, a message and the component label', () => {
    const severities = new Set(['INFO', 'WARNING', 'ERROR']);
    for (const e of entries) {
      assert.ok(severities.has(String(e.severity)), JSON.stringify(e));
      assert.equal(typeof e.message, 'string');
      assert.match(labelsOf(e).component ?? '', /^tes-/);
    }
  });

  it('maps winston levels to Cloud Logging severities', () => {
    assert.equal(entry('worker VM created').severity, 'INFO');
    assert.equal(entry('zone refused the worker VM').severity, 'WARNING');
    const failed = entry('event failed; it will be delivered again');
    assert.equal(failed.severity, 'ERROR');
  });

  it('labels a line about a task with its id and attempt', () => {
    assert.deepEqual(labelsOf(entry('worker VM created')), {
      component: 'tes-worker-launch',
      task_id: 'task-1',
      attempt: '2',
    });
    assert.deepEqual(labelsOf(entry('worker torn down')), {
      component: 'tes-worker-launch',
      task_id: 'task-2',
      attempt: '1',
    });
    assert.deepEqual(labelsOf(entry('request served')), {
      component: 'tes-api',
    });
  });

  it('keeps the fields in the payload and the message constant', () => {
    const refused = entry('zone refused the worker VM');
    const fields = refused.metadata as Entry;
    assert.equal(fields.refusal, 'first line\nsecond line');
    assert.equal(fields.taskId, 'task-1');
  });

  it('keeps a thrown error with its stack on one line', () => {
    const thrown = entries.find((e) =>
      String(e.message).startsWith('thrown as it is'),
    );
    assert.ok(thrown, 'the error was logged');
    assert.equal(thrown.severity, 'ERROR');
    assert.match(String(thrown.message), /at .*log-in-production/);
  });

  it('writes no library diagnostic entry without labels', () => {
    const diagnostic = entries.filter(
      (e) => 'logging.googleapis.com/diagnostic' in e,
    );
    assert.deepEqual(diagnostic, []);
  });
});
