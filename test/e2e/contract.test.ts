/**
 * The TES v1.1 API contract, on the API function alone (no triggers, so
 * tasks stay in the states the test puts them in): filters in every
 * combination, views, cancel in every state, errors, and pagination over
 * 2,050 tasks while more are created.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TaskState, TesTask } from '../../shared/tes';
import { TASKS_COLLECTION } from '../../shared/topology';
import { type ApiServer, startApiServer } from '../support/api-server';
import { assertValid } from '../support/openapi';
import { call, createTask } from '../support/tes-client';

type Page = { tasks: TesTask[]; next_page_token?: string };

const executors = [{ image: 'alpine', command: ['true'] }];

async function setState(api: ApiServer, id: string, state: TaskState) {
  await api.db.collection(TASKS_COLLECTION).doc(id).update({ state });
}

async function listIds(api: ApiServer, query: string): Promise<string[]> {
  const answer = await call<Page>(`${api.url}/tasks?${query}`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.tasks.map((t) => t.id);
}

describe('API contract: filters and views', () => {
  let api: ApiServer;
  const ids: Record<string, string> = {};

  before(async () => {
    api = await startApiServer(`demo-c${randomBytes(4).toString('hex')}`);
    const tasks: Array<[string, object, TaskState]> = [
      [
        'a',
        { name: 'align-1', tags: { project: 'lambda', sample: 's1' } },
        'COMPLETE',
      ],
      [
        'b',
        { name: 'align-2', tags: { project: 'lambda', sample: 's2' } },
        'QUEUED',
      ],
      ['c', { name: 'stats-1', tags: { project: 'lambda' } }, 'COMPLETE'],
      [
        'd',
        { name: 'stats-2', tags: { project: 'other', flag: '' } },
        'EXECUTOR_ERROR',
      ],
      ['e', { tags: {} }, 'QUEUED'],
      ['f', { name: 'ålign-ü 🧬', tags: { ключ: 'значение' } }, 'RUNNING'],
    ];
    for (const [key, fields, state] of tasks) {
      ids[key] = await createTask(api.url, { ...fields, executors });
      await setState(api, ids[key] as string, state);
    }
  });
  after(async () => {
    await api?.close();
  });

  const cases: Array<{ name: string; query: string; expected: string[] }> = [
    { name: 'no filter', query: '', expected: ['f', 'e', 'd', 'c', 'b', 'a'] },
    { name: 'name prefix', query: 'name_prefix=align', expected: ['b', 'a'] },
    {
      name: 'unicode name prefix',
      query: `name_prefix=${encodeURIComponent('ålign-ü')}`,
      expected: ['f'],
    },
    { name: 'state', query: 'state=COMPLETE', expected: ['c', 'a'] },
    {
      name: 'name prefix and state',
      query: 'name_prefix=align&state=COMPLETE',
      expected: ['a'],
    },
    {
      name: 'tag key and value',
      query: 'tag_key=project&tag_value=lambda',
      expected: ['c', 'b', 'a'],
    },
    {
      name: 'tag key only',
      query: 'tag_key=project',
      expected: ['d', 'c', 'b', 'a'],
    },
    { name: 'tag with an empty value', query: 'tag_key=flag', expected: ['d'] },
    {
      name: 'tag key with an empty tag_value',
      query: 'tag_key=flag&tag_value=',
      expected: ['d'],
    },
    {
      name: 'two tags',
      query: 'tag_key=project&tag_value=lambda&tag_key=sample&tag_value=s2',
      expected: ['b'],
    },
    {
      name: 'more keys than values',
      query: 'tag_key=project&tag_value=lambda&tag_key=sample',
      expected: ['b', 'a'],
    },
    {
      name: 'tag value that differs',
      query: 'tag_key=project&tag_value=lambd',
      expected: [],
    },
    {
      name: 'unicode tag',
      query: `tag_key=${encodeURIComponent('ключ')}&tag_value=${encodeURIComponent('значение')}`,
      expected: ['f'],
    },
    {
      name: 'every filter',
      query:
        'name_prefix=stats&state=COMPLETE&tag_key=project&tag_value=lambda',
      expected: ['c'],
    },
    {
      name: 'prefix that matches nothing',
      query: 'name_prefix=zzz',
      expected: [],
    },
  ];
  for (const c of cases) {
    it(`filters by ${c.name}`, async () => {
      const got = await listIds(api, c.query);
      assert.deepEqual(
        got,
        c.expected.map((k) => ids[k]),
      );
    });
  }

  for (const view of ['MINIMAL', 'BASIC', 'FULL'] as const) {
    it(`lists and gets in the ${view} view, valid against the specification`, async () => {
      const list = await call<Page>(`${api.url}/tasks?view=${view}`);
      const schema = view === 'MINIMAL' ? 'minimalTask' : 'tesTask';
      for (const task of list.body.tasks) assertValid(schema, task);
      const one = await call<TesTask>(`${api.url}/tasks/${ids.a}?view=${view}`);
      assertValid(schema, one.body);
      if (view !== 'MINIMAL') {
        assert.deepEqual(one.body.executors, executors);
        // A queued task created without notes has no log yet.
        assert.deepEqual(one.body.logs, []);
        assert.deepEqual(one.body.inputs, []);
      } else {
        assert.deepEqual(Object.keys(one.body).sort(), ['id', 'state']);
      }
    });
  }

  it('fills an input type of FILE and merges exact duplicates with a note', async () => {
    const input = { path: '/data/a.txt', content: 'x' };
    const id = await createTask(api.url, { executors, inputs: [input, input] });
    const task = (await call<TesTask>(`${api.url}/tasks/${id}?view=FULL`)).body;
    assert.deepEqual(task.inputs, [{ ...input, type: 'FILE' }]);
    assert.match(
      task.logs?.[0]?.system_logs?.join('\n') ?? '',
      /inputs\[1\] repeats inputs\[0\]/,
    );
  });
});

describe('API contract: cancel in every state', () => {
  let api: ApiServer;
  before(async () => {
    api = await startApiServer(`demo-x${randomBytes(4).toString('hex')}`);
  });
  after(async () => {
    await api?.close();
  });

  const cases: Array<{ from: TaskState; to: TaskState }> = [
    { from: 'QUEUED', to: 'CANCELING' },
    { from: 'INITIALIZING', to: 'CANCELING' },
    { from: 'RUNNING', to: 'CANCELING' },
    { from: 'CANCELING', to: 'CANCELING' },
    { from: 'COMPLETE', to: 'COMPLETE' },
    { from: 'EXECUTOR_ERROR', to: 'EXECUTOR_ERROR' },
    { from: 'SYSTEM_ERROR', to: 'SYSTEM_ERROR' },
    { from: 'CANCELED', to: 'CANCELED' },
  ];
  for (const c of cases) {
    it(`answers {} and leaves a ${c.from} task ${c.to}`, async () => {
      const id = await createTask(api.url, { executors });
      await setState(api, id, c.from);
      const answer = await call(`${api.url}/tasks/${id}:cancel`, {
        method: 'POST',
      });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, {});
      const task = await call<TesTask>(`${api.url}/tasks/${id}`);
      assert.equal(task.body.state, c.to);
    });
  }

  it('answers 404 to a cancel of an unknown task', async () => {
    const answer = await call(`${api.url}/tasks/unknown:cancel`, {
      method: 'POST',
    });
    assert.equal(answer.status, 404);
  });
});

describe('API contract: pagination', () => {
  let api: ApiServer;
  const created: string[] = [];

  before(async () => {
    api = await startApiServer(`demo-p${randomBytes(4).toString('hex')}`);
    const queue = Array.from({ length: 2050 }, (_, i) => i);
    const worker = async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        created.push(await createTask(api.url, { name: `t${i}`, executors }));
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  });
  after(async () => {
    await api?.close();
  });

  it('defaults to 256 tasks a page and caps page_size below 2048', async () => {
    assert.equal((await listIds(api, '')).length, 256);
    assert.equal((await listIds(api, 'page_size=2047')).length, 2047);
    for (const size of ['2048', '0', '-1', 'abc', '1.5']) {
      const answer = await call(`${api.url}/tasks?page_size=${size}`);
      assert.equal(answer.status, 400, `page_size=${size}`);
    }
  });

  it('returns every task exactly once, newest first, while tasks are created', async () => {
    const seen: TesTask[] = [];
    const concurrent: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const query = `page_size=100&view=BASIC${token ? `&page_token=${token}` : ''}`;
      const [page] = await Promise.all([
        call<Page>(`${api.url}/tasks?${query}`),
        createTask(api.url, { name: 'concurrent', executors }).then((id) =>
          concurrent.push(id),
        ),
      ]);
      assert.equal(page.status, 200);
      seen.push(...page.body.tasks);
      token = page.body.next_page_token;
      pages += 1;
    } while (token);

    const ids = seen.map((t) => t.id);
    assert.equal(new Set(ids).size, ids.length, 'no task appears twice');
    const earlier = new Set(created);
    assert.equal(
      ids.filter((id) => earlier.has(id)).length,
      created.length,
      'every earlier task appears',
    );
    const times = seen.map((t) => `${t.creation_time}|${t.id}`);
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
    assert.ok(pages >= 21);
    assert.ok(concurrent.length === pages);
  });
});
