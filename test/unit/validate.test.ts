import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateTaskRequest } from '../../functions/api/validate';
import { ValidationError } from '../../shared/errors';

const ok = { executors: [{ image: 'alpine', command: ['true'] }] };

function problems(body: unknown): string[] {
  try {
    validateTaskRequest(body);
  } catch (error) {
    assert.ok(error instanceof ValidationError);
    return error.problems.map((p) => `${p.field}: ${p.message}`);
  }
  return [];
}

describe('CreateTask validation', () => {
  const cases: Array<{ name: string; body: unknown; expected: string[] }> = [
    { name: 'a minimal task', body: ok, expected: [] },
    { name: 'no executors', body: {}, expected: ['executors: required'] },
    {
      name: 'an executor without image and command',
      body: { executors: [{}] },
      expected: [
        'executors[0].image: required',
        'executors[0].command: required',
      ],
    },
    {
      name: 'an empty command',
      body: { executors: [{ image: 'a', command: [] }] },
      expected: ['executors[0].command: must be a non-empty array of strings'],
    },
    {
      name: 'a relative path and a traversal',
      body: {
        ...ok,
        inputs: [
          { path: 'rel', content: 'x' },
          { path: '/a/../b', content: 'x' },
        ],
      },
      expected: [
        'inputs[0].path: must be an absolute path',
        'inputs[1].path: must not contain ".."',
      ],
    },
    {
      name: 'an input with both url and content',
      body: {
        ...ok,
        inputs: [{ path: '/data/a', url: 'file:///a', content: 'x' }],
      },
      expected: ['inputs[0]: must have exactly one of url and content'],
    },
    {
      name: 'an unsupported scheme',
      body: { ...ok, outputs: [{ path: '/data/a', url: 'ftp://host/a' }] },
      expected: [
        'outputs[0].url: scheme "ftp" is not supported (supported: file, gs)',
      ],
    },
    {
      name: 'wrong types',
      body: { ...ok, name: 5, tags: { a: 1 }, resources: { cpu_cores: -1 } },
      expected: [
        'name: must be a string',
        'resources.cpu_cores: must be a positive number',
        'tags.a: must be a string',
      ],
    },
    { name: 'not an object', body: [], expected: ['body: must be an object'] },
    {
      name: 'paths in system folders or directly under /',
      body: {
        executors: [
          { image: 'a', command: ['b'], workdir: '/usr/x', stdin: '/dev/null' },
        ],
        inputs: [{ path: '/top.txt', content: 'x' }],
        volumes: ['/etc'],
      },
      expected: [
        'executors[0].workdir: must not be in a system folder (/bin, /boot, /dev, /etc, /lib, /lib32, /lib64, /libx32, /proc, /sbin, /sys, /usr)',
        'inputs[0].path: must be inside a folder, not directly under /',
        'volumes[0]: must not be in a system folder (/bin, /boot, /dev, /etc, /lib, /lib32, /lib64, /libx32, /proc, /sbin, /sys, /usr)',
      ],
    },
    {
      name: 'reserved and empty keys, and text that is not Unicode',
      body: { ...ok, tags: { '': 'a', __x__: 'b' }, name: '\ud800' },
      expected: [
        'tags: keys must not be empty',
        'tags.__x__: keys of the form __name__ are reserved',
        'name: is not valid Unicode text',
      ],
    },
    {
      name: 'gs:// URLs: bad buckets, and files that name no object',
      body: {
        ...ok,
        inputs: [
          { path: '/in/a', url: 'gs://UPPER/a' },
          { path: '/in/b', url: 'gs://bucket' },
          { path: '/in/c', url: 'gs://bucket/folder/' },
          { path: '/in/d', url: 'gs://bucket', type: 'DIRECTORY' },
          { path: '/in/e', url: 'gs://bucket/dir', type: 'DIRECTORY' },
          { path: '/in/f', url: 'gs://bucket/a b.txt' },
        ],
        outputs: [
          { path: '/out/a', url: 'gs://bucket/' },
          { path: '/out/*.txt', path_prefix: '/out', url: 'gs://bucket' },
          { path: '/out/d', url: 'gs://bucket', type: 'DIRECTORY' },
          { path: '/out/e', url: 'gs://ab/e' },
        ],
      },
      expected: [
        'inputs[0].url: "UPPER" is not a valid bucket name',
        'inputs[1].url: must name an object, not a bucket or a folder',
        'inputs[2].url: must name an object, not a bucket or a folder',
        'outputs[0].url: must name an object, not a bucket or a folder',
        'outputs[3].url: "ab" is not a valid bucket name',
      ],
    },
    {
      name: 'file:// URLs with a host, a relative path, or a kernel folder',
      body: {
        ...ok,
        inputs: [
          { path: '/in/a', url: 'file://otherhost/x' },
          { path: '/in/b', url: 'file:relative' },
          { path: '/in/c', url: 'file:///proc/self/environ' },
          { path: '/in/d', url: 'file://localhost/data/ok.txt' },
        ],
        outputs: [{ path: '/out/a', url: 'file:///sys/x' }],
      },
      expected: [
        'inputs[0].url: must be file:///absolute/path or file://localhost/absolute/path (no other host, no relative path)',
        'inputs[1].url: must be file:///absolute/path or file://localhost/absolute/path (no other host, no relative path)',
        'inputs[2].url: must not be under /proc',
        'outputs[0].url: must not be under /sys',
      ],
    },
    {
      name: 'images that are an option, two words, or hold a control character',
      body: {
        executors: [
          { image: '--privileged', command: ['true'] },
          { image: 'a b', command: ['true'] },
          { image: 'a\u0000b', command: ['true'] },
          { image: 'ghcr.io/x/y:1.2@sha256:ab', command: ['true'] },
        ],
      },
      expected: [0, 1, 2].map(
        (i) =>
          `executors[${i}].image: must be an image reference (no leading "-", no spaces or control characters)`,
      ),
    },
    {
      name: 'a path part longer than a file name can be',
      body: {
        ...ok,
        inputs: [
          { path: `/data/${'é'.repeat(128)}`, content: 'x' },
          { path: `/data/${'e'.repeat(255)}`, content: 'x' },
        ],
      },
      expected: ['inputs[0].path: each part must be at most 255 bytes'],
    },
    {
      name: 'an empty program name',
      body: { executors: [{ image: 'a', command: [''] }] },
      expected: ['executors[0].command[0]: must name a program'],
    },
  ];

  for (const c of cases) {
    it(`reports every problem with its field: ${c.name}`, () => {
      assert.deepEqual(problems(c.body).sort(), [...c.expected].sort());
    });
  }

  it('defaults the optional lists', () => {
    const task = validateTaskRequest(ok);
    assert.deepEqual(task.inputs, []);
    assert.deepEqual(task.outputs, []);
    assert.deepEqual(task.volumes, []);
    assert.deepEqual(task.tags, {});
  });
});
