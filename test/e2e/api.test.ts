/**
 * The TES API through the local stack: every operation, each view, and
 * the errors, with each response checked against the OpenAPI document.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TesTask } from '../../shared/tes';
import { assertValid } from '../support/openapi';
import { type Stack, startStack } from '../support/stack';
import { call, createTask, getTask, waitForEnd } from '../support/tes-client';

const TASK = {
  name: 'views',
  inputs: [{ path: '/in/a.txt', content: 'secret content' }],
  executors: [{ image: 'alpine', command: ['cat', '/in/a.txt'] }],
  tags: { project: 'lambda', run: '1' },
};

describe('TES API', () => {
  let stack: Stack;
  let id: string;

  before(async () => {
    stack = await startStack();
    id = await createTask(stack.url, TASK);
    await waitForEnd(stack.url, id);
  });
  after(async () => {
    await stack?.stop();
  });

  it('serves service-info with the TES type and storage', async () => {
    const answer = await call<Record<string, unknown>>(
      `${stack.url}/service-info`,
    );
    assert.equal(answer.status, 200);
    assertValid('tesServiceInfo', answer.body);
    assert.deepEqual(answer.body.type, {
      group: 'org.ga4gh',
      artifact: 'tes',
      version: '1.1.0',
    });
    assert.ok((answer.body.storage as string[]).includes('file://'));
    assert.ok((answer.body.storage as string[]).includes('gs://'));
  });

  it('answers MINIMAL by default, with id and state only', async () => {
    const answer = await call<TesTask>(`${stack.url}/tasks/${id}`);
    assert.deepEqual(Object.keys(answer.body).sort(), ['id', 'state']);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
  });

  it('leaves stdout, content and system logs out of BASIC', async () => {
    const task = await getTask(stack.url, id, 'BASIC');
    assert.equal(task.inputs?.[0]?.content, undefined);
    assert.equal(task.logs?.[0]?.logs[0]?.stdout, undefined);
    assert.equal(task.logs?.[0]?.system_logs, undefined);
    assert.equal(task.logs?.[0]?.logs[0]?.exit_code, 0);
    assert.deepEqual(task.tags, TASK.tags);
  });

  it('shows everything in FULL', async () => {
    const task = await getTask(stack.url, id, 'FULL');
    assert.equal(task.inputs?.[0]?.content, 'secret content');
    assert.equal(task.logs?.[0]?.logs[0]?.stdout, 'secret content');
    assert.ok((task.logs?.[0]?.system_logs?.length ?? 0) > 0);
  });

  it('lists newest first, follows page tokens, and filters', async () => {
    const second = await createTask(stack.url, {
      ...TASK,
      name: 'other',
      tags: { project: 'x' },
    });
    const page1 = await call<{ tasks: TesTask[]; next_page_token?: string }>(
      `${stack.url}/tasks?page_size=1`,
    );
    assert.equal(page1.status, 200);
    assert.deepEqual(
      page1.body.tasks.map((t) => t.id),
      [second],
    );
    for (const t of page1.body.tasks) assertValid('minimalTask', t);
    assert.ok(page1.body.next_page_token);

    const page2 = await call<{ tasks: TesTask[]; next_page_token?: string }>(
      `${stack.url}/tasks?page_size=1&page_token=${page1.body.next_page_token}`,
    );
    assert.deepEqual(
      page2.body.tasks.map((t) => t.id),
      [id],
    );
    assert.equal(page2.body.next_page_token, undefined);

    const byName = await call<{ tasks: TesTask[] }>(
      `${stack.url}/tasks?name_prefix=vie&view=BASIC`,
    );
    assert.deepEqual(
      byName.body.tasks.map((t) => t.id),
      [id],
    );
    for (const t of byName.body.tasks) assertValid('tesTask', t);
    const byTag = await call<{ tasks: TesTask[] }>(
      `${stack.url}/tasks?tag_key=project&tag_value=x`,
    );
    assert.deepEqual(
      byTag.body.tasks.map((t) => t.id),
      [second],
    );
    const byKey = await call<{ tasks: TesTask[] }>(
      `${stack.url}/tasks?tag_key=run`,
    );
    assert.deepEqual(
      byKey.body.tasks.map((t) => t.id),
      [id],
    );
    const byState = await call<{ tasks: TesTask[] }>(
      `${stack.url}/tasks?state=COMPLETE`,
    );
    assert.ok(byState.body.tasks.some((t) => t.id === id));
    assert.ok(byState.body.tasks.every((t) => t.state === 'COMPLETE'));
  });

  it('keeps each owner to their own tasks', async () => {
    const other = { authorization: 'Bearer someone-else' };
    const get = await call(`${stack.url}/tasks/${id}`, { headers: other });
    assert.equal(get.status, 404);
    const list = await call<{ tasks: TesTask[] }>(`${stack.url}/tasks`, {
      headers: other,
    });
    assert.deepEqual(list.body.tasks, []);
  });

  const errors: Array<{
    name: string;
    path: string;
    init?: RequestInit;
    status: number;
    field?: string;
  }> = [
    { name: 'an unknown task', path: '/tasks/nope', status: 404 },
    {
      name: 'an unknown view',
      path: '/tasks?view=ALL',
      status: 400,
      field: 'view',
    },
    {
      name: 'a page size too large',
      path: '/tasks?page_size=5000',
      status: 400,
      field: 'page_size',
    },
    {
      name: 'a forged page token',
      path: '/tasks?page_token=abc',
      status: 400,
      field: 'page_token',
    },
    {
      name: 'an unknown state',
      path: '/tasks?state=DONE',
      status: 400,
      field: 'state',
    },
    {
      name: 'a wrong method',
      path: '/service-info',
      init: { method: 'DELETE' },
      status: 405,
    },
    {
      name: 'a task without executors',
      path: '/tasks',
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      },
      status: 400,
      field: 'executors',
    },
    {
      name: 'a body that is not JSON',
      path: '/tasks',
      init: {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hello',
      },
      status: 415,
    },
    {
      name: 'malformed JSON',
      path: '/tasks',
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"executors": [',
      },
      status: 400,
      field: 'body',
    },
  ];
  for (const e of errors) {
    it(`answers ${e.status} for ${e.name}`, async () => {
      const answer = await call<{
        msg: string;
        status_code: number;
        errors?: Array<{ field: string }>;
      }>(`${stack.url}${e.path}`, e.init);
      assert.equal(answer.status, e.status);
      assert.equal(answer.body.status_code, e.status);
      assert.equal(typeof answer.body.msg, 'string');
      if (e.field) assert.equal(answer.body.errors?.[0]?.field, e.field);
    });
  }

  it('answers a FULL list in pages of at most 32 tasks, whatever page_size asks', async () => {
    const tag = `full-${Date.now()}`;
    await Promise.all(
      Array.from({ length: 40 }, () =>
        createTask(stack.url, { ...TASK, tags: { page: tag } }),
      ),
    );
    const first = await call<{ tasks: TesTask[]; next_page_token?: string }>(
      `${stack.url}/tasks?view=FULL&page_size=2000&tag_key=page&tag_value=${tag}`,
    );
    assert.equal(first.status, 200);
    assertValid('tesListTasksResponse', first.body);
    assert.equal(first.body.tasks.length, 32);
    assert.ok(first.body.next_page_token);
    const rest = await call<{ tasks: TesTask[]; next_page_token?: string }>(
      `${stack.url}/tasks?view=FULL&page_size=2000&tag_key=page&tag_value=${tag}&page_token=${first.body.next_page_token}`,
    );
    assert.equal(rest.body.tasks.length, 8);
    assert.equal(rest.body.next_page_token, undefined);
  });
});
