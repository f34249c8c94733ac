/**
 * The TES v1.1 API contract, continued: what admission refuses and why,
 * and the errors, on the API function alone (no triggers).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TesTask } from '../../shared/tes';
import { type ApiServer, startApiServer } from '../support/api-server';
import { call, createTask } from '../support/tes-client';

const executors = [{ image: 'alpine', command: ['true'] }];

async function listIds(api: ApiServer, query: string): Promise<string[]> {
  const answer = await call<{ tasks: TesTask[] }>(`${api.url}/tasks?${query}`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.tasks.map((t) => t.id);
}

describe('API contract: admission and errors', () => {
  let api: ApiServer;
  before(async () => {
    api = await startApiServer(`demo-e${randomBytes(4).toString('hex')}`);
  });
  after(async () => {
    await api?.close();
  });

  type ErrorBody = {
    msg: string;
    status_code: number;
    errors?: Array<{ field: string; message: string }>;
  };
  const post = (body: string, type = 'application/json') =>
    call<ErrorBody>(`${api.url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    });
  const task = (extra: object) => JSON.stringify({ executors, ...extra });

  const rejected: Array<{
    name: string;
    body: string;
    status: number;
    field?: string;
    says: RegExp;
  }> = [
    {
      name: 'more cores than any machine has',
      body: task({ resources: { cpu_cores: 1000 } }),
      status: 400,
      field: 'resources',
      says: /no machine type has 1000 cores/,
    },
    {
      name: 'a zone the service does not run in',
      body: task({ resources: { zones: ['mars-north1-a'] } }),
      status: 400,
      field: 'resources.zones[0]',
      says: /not a zone this service runs in/,
    },
    {
      name: 'an unknown backend parameter under strict',
      body: task({
        resources: {
          backend_parameters: { gpu: 'a100' },
          backend_parameters_strict: true,
        },
      }),
      status: 400,
      field: 'resources.backend_parameters.gpu',
      says: /known: network/,
    },
    {
      name: 'a wildcard output without path_prefix',
      body: task({ outputs: [{ path: '/out/*.txt', url: 'file:///tmp/x' }] }),
      status: 400,
      field: 'outputs[0].path_prefix',
      says: /required/,
    },
    {
      name: 'one path with two sources',
      body: task({
        inputs: [
          { path: '/in/a', content: 'x' },
          { path: '/in/a', content: 'y' },
        ],
      }),
      status: 400,
      field: 'inputs[1].path',
      says: /different source/,
    },
    {
      name: 'an unsupported scheme',
      body: task({ inputs: [{ path: '/a', url: 'ftp://example/a' }] }),
      status: 400,
      field: 'inputs[0].url',
      says: /scheme "ftp" is not supported/,
    },
    {
      name: 'a task larger than a document can hold',
      body: task({ inputs: [{ path: '/in/a', content: 'x'.repeat(500_000) }] }),
      status: 413,
      says: /at most 393216 bytes/,
    },
    {
      name: 'a body over 1 MiB',
      body: task({ description: 'x'.repeat(1_100_000) }),
      status: 413,
      says: /limited to 1048576 bytes/,
    },
    {
      name: 'a body that is not JSON',
      body: 'name=x',
      status: 415,
      says: /must be JSON/,
    },
    {
      name: 'malformed JSON',
      body: '{"executors": [}',
      status: 400,
      field: 'body',
      says: /not valid JSON/,
    },
    {
      name: 'a JSON string',
      body: '"hello"',
      status: 400,
      field: 'body',
      says: /not valid JSON/,
    },
  ];
  for (const r of rejected) {
    it(`answers ${r.status} to ${r.name}, saying why`, async () => {
      const type =
        r.status === 415
          ? 'application/x-www-form-urlencoded'
          : 'application/json';
      const answer = await post(r.body, type);
      assert.equal(answer.status, r.status, JSON.stringify(answer.body));
      assert.equal(answer.body.status_code, r.status);
      const text = `${answer.body.msg} ${JSON.stringify(answer.body.errors ?? [])}`;
      assert.match(text, r.says);
      if (r.field)
        assert.ok(
          answer.body.errors?.some((e) => e.field === r.field),
          text,
        );
    });
  }

  it('stores nothing for a rejected request', async () => {
    const before = await listIds(api, 'page_size=2047');
    await post(task({ resources: { cpu_cores: 1000 } }));
    await post('{bad');
    assert.deepEqual(await listIds(api, 'page_size=2047'), before);
  });

  it('accepts 128 KiB of content and notes an ignored backend parameter', async () => {
    const content = 'a'.repeat(128 * 1024);
    const id = await createTask(api.url, {
      executors,
      inputs: [{ path: '/data/big.txt', content }],
      resources: { backend_parameters: { gpu: 'a100' } },
    });
    const full = (await call<TesTask>(`${api.url}/tasks/${id}?view=FULL`)).body;
    assert.equal(full.inputs?.[0]?.content?.length, content.length);
    assert.match(
      full.logs?.[0]?.system_logs?.join('\n') ?? '',
      /"gpu" is not known to this service and was ignored/,
    );
  });

  it('answers 405 with Allow for a wrong method, and CORS preflights', async () => {
    const wrong = await call(`${api.url}/tasks/x:cancel`, { method: 'GET' });
    assert.equal(wrong.status, 405);
    assert.match(wrong.headers.get('allow') ?? '', /POST/);
    const preflight = await fetch(`${api.url}/tasks`, { method: 'OPTIONS' });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(
      preflight.headers.get('access-control-allow-methods') ?? '',
      /POST/,
    );
  });

  it('answers 404 for unknown paths and ids, in the one error shape', async () => {
    for (const path of [
      '/nope',
      '/tasks/..',
      '/tasks/%2F',
      `/tasks/${'x'.repeat(2000)}`,
    ]) {
      const answer = await call<ErrorBody>(`${api.url}${path}`);
      assert.equal(answer.status, 404, path);
      assert.equal(answer.body.status_code, 404);
    }
  });
});
