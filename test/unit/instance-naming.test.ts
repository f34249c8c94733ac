/**
 * Names derived from a task attempt: valid Compute Engine names and label
 * values whatever the id, and request ids that are the same on every
 * delivery.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  instanceName,
  labelValue,
  requestId,
  uuidV5,
} from '../../functions/worker-launch/instance-naming';

const VM_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const UUID_V5 =
  /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TASK_ID = '6f1c2a9e-4b7d-4e21-9c3a-0d5e8f7a6b21';

describe('instance names', () => {
  it('names the VM of a task attempt tes-<task id>-<attempt>', () => {
    assert.equal(instanceName(TASK_ID, 3), `tes-${TASK_ID}-3`);
  });

  const odd = [
    { name: 'upper case', id: 'TaskOne' },
    { name: 'characters a name cannot hold', id: 'task_1.a' },
    { name: 'too long', id: 'a'.repeat(100) },
    { name: 'too long, differing only at the end', id: `${'a'.repeat(99)}b` },
  ];

  for (const c of odd) {
    it(`gives a valid name to an id that is ${c.name}`, () => {
      assert.match(instanceName(c.id, 12), VM_NAME);
    });
  }

  it('never gives two ids the same name', () => {
    const names = new Set(odd.map((c) => instanceName(c.id, 1)));
    names.add(instanceName('taskone', 1));
    names.add(instanceName('task-1-a', 1));
    assert.equal(names.size, odd.length + 2);
  });
});

describe('label values', () => {
  it('lowercases and replaces what labels cannot hold', () => {
    assert.equal(
      labelValue('Alice.Smith@Example.com'),
      'alice_smith_example_com',
    );
  });

  it('shortens long values to 63 characters, keeping them apart', () => {
    const a = labelValue(`${'x'.repeat(70)}a`);
    const b = labelValue(`${'x'.repeat(70)}b`);
    assert.match(a, /^[a-z0-9_-]{63}$/);
    assert.notEqual(a, b);
  });
});

describe('request ids', () => {
  it('are version 5 UUIDs as RFC 9562 computes them', () => {
    // The RFC's example: the DNS namespace and "www.example.com".
    const dns = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    assert.equal(
      uuidV5(dns, 'www.example.com'),
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
    assert.match(requestId('insert', TASK_ID, 1, 'us-central1-a'), UUID_V5);
  });

  it('are the same on every delivery and differ by call, attempt and zone', () => {
    const id = requestId('insert', TASK_ID, 1, 'us-central1-a');
    assert.equal(requestId('insert', TASK_ID, 1, 'us-central1-a'), id);

    const others = [
      requestId('delete', TASK_ID, 1, 'us-central1-a'),
      requestId('insert', TASK_ID, 2, 'us-central1-a'),
      requestId('insert', TASK_ID, 1, 'us-central1-b'),
    ];
    assert.equal(new Set([id, ...others]).size, 4);
  });
});
