/**
 * Fuzzing the API through the whole local stack: 10,000 generated
 * requests (valid, invalid, mutated, malformed), from a seeded generator
 * so that a failure can be replayed. No answer may be a 5xx, every error
 * must be in the one error shape, and every task accepted with a 2xx must
 * reach a final state.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskState } from '../../shared/tes';
import { type Stack, startStack } from '../support/stack';

const REQUESTS = 10_000;
const CONCURRENCY = 16;
/** Accepted tasks left to run; every later one is cancelled at once. */
const RUN_TO_END = 40;
const SEED = Number(process.env.TES_FUZZ_SEED ?? 20261204);
const FINAL: TaskState[] = [
  'COMPLETE',
  'EXECUTOR_ERROR',
  'SYSTEM_ERROR',
  'CANCELED',
];

/** mulberry32: a small seeded generator, so that a run can be replayed. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T;
  return { next, int, pick };
}

type Random = ReturnType<typeof generator>;

const ODD_TEXT = [
  '',
  ' ',
  '../../etc/passwd',
  '/..',
  '/a/../../b',
  'relative/path',
  '\u0000nul',
  '\u001b[31mred',
  'ünïcødé 🧬',
  '\ud800',
  'x'.repeat(5000),
  'ftp://example.org/a',
  's3://bucket/key',
  'file:///etc/shadow',
  'gs://bucket/key',
  '%2F%2E%2E',
  '{"json":"in a string"}',
];

function oddValue(r: Random, depth = 0): unknown {
  switch (r.int(9)) {
    case 0:
      return null;
    case 1:
      return r.pick([0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER]);
    case 2:
      return r.pick([true, false]);
    case 3:
      return depth > 3 ? [] : [oddValue(r, depth + 1), oddValue(r, depth + 1)];
    case 4:
      return depth > 3 ? {} : { [r.pick(ODD_TEXT)]: oddValue(r, depth + 1) };
    default:
      return r.pick(ODD_TEXT);
  }
}

function validTask(r: Random, out: string): Record<string, unknown> {
  return {
    name: `fuzz ${r.pick(['a', 'ü', '🧬', 'tab\there'])}${r.int(1000)}`,
    tags: { [r.pick(['k', 'ключ', 'empty'])]: r.pick(['v', '', 'ü']) },
    inputs: [{ path: '/in/x.txt', content: r.pick(['a', '', 'ü\n']) }],
    outputs:
      r.next() < 0.5
        ? [{ path: '/in/x.txt', url: `file://${out}/${r.int(1e9)}.txt` }]
        : [],
    executors: [
      {
        image: 'alpine',
        command: r.pick([
          ['true'],
          ['cat', '/in/x.txt'],
          ['sh', '-c', 'exit 3'],
        ]),
      },
    ],
  };
}

/** Replaces one field, somewhere in the task, with an odd value. */
function mutate(
  r: Random,
  task: Record<string, unknown>,
): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(task)) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (let depth = 0; depth < 4; depth += 1) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = r.pick(keys);
    const child = node[key];
    if (typeof child !== 'object' || child === null || r.next() < 0.3) {
      node[key] = r.next() < 0.1 ? undefined : oddValue(r);
      return copy;
    }
    node = child as Record<string, unknown>;
  }
  node[r.pick(ODD_TEXT)] = oddValue(r);
  return copy;
}

function malformedBody(r: Random): { body: string; type: string } {
  const bodies = [
    '{',
    '{"executors": [',
    '[]',
    '"text"',
    'null',
    '123',
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
    JSON.stringify({
      executors: [{ image: 'a', command: ['b'] }],
      description: 'x'.repeat(1_200_000),
    }),
    String.fromCharCode(...Array.from({ length: 200 }, () => r.int(256))),
  ];
  return {
    body: r.pick(bodies),
    type: r.pick([
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      '',
    ]),
  };
}

/** Percent-encodes text; a lone surrogate becomes bytes no URL decodes. */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return assert.fail(`not JSON: ${what}: ${text.slice(0, 300)}`);
  }
}

interface Request {
  method: string;
  path: string;
  body?: string;
  type?: string;
}

/** Stands for the id of a task accepted earlier in the run. */
const KNOWN_ID = '{{known}}';

function request(r: Random, out: string): Request {
  const roll = r.next();
  if (roll < 0.03)
    return {
      method: 'POST',
      path: '/tasks',
      body: JSON.stringify(validTask(r, out)),
      type: 'application/json',
    };
  if (roll < 0.6) {
    const task = mutate(r, validTask(r, out));
    return {
      method: 'POST',
      path: '/tasks',
      body: JSON.stringify(task),
      type: 'application/json',
    };
  }
  if (roll < 0.8)
    return { method: 'POST', path: '/tasks', ...malformedBody(r) };
  const id = r.next() < 0.5 ? KNOWN_ID : encode(String(r.pick(ODD_TEXT)));
  const query = `${r.pick(['view', 'page_size', 'page_token', 'state', 'tag_key', 'name_prefix'])}=${encode(String(oddValue(r)))}`;
  return r.pick<Request>([
    { method: 'GET', path: `/tasks?${query}` },
    { method: 'GET', path: `/tasks/${id}?${query}` },
    { method: 'POST', path: `/tasks/${id}:cancel` },
    {
      method: r.pick(['PUT', 'DELETE', 'PATCH']),
      path: r.pick(['/tasks', `/tasks/${id}`, '/service-info']),
    },
    {
      method: 'GET',
      path: r.pick(['/service-info', '/', '/tasks/', '/tasks//x', '/nope']),
    },
  ]);
}

/** Every task's state, read through the list operation page by page. */
async function allStates(base: string): Promise<Map<string, TaskState>> {
  const states = new Map<string, TaskState>();
  let token = '';
  do {
    const response = await fetch(
      `${base}/tasks?page_size=2047${token ? `&page_token=${token}` : ''}`,
    );
    const page = (await response.json()) as {
      tasks: Array<{ id: string; state: TaskState }>;
      next_page_token?: string;
    };
    for (const t of page.tasks) states.set(t.id, t.state);
    token = page.next_page_token ?? '';
  } while (token);
  return states;
}

describe('API fuzzing', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ env: { TES_LOG_LEVEL: 'warn' } });
  });
  after(async () => {
    await stack?.stop();
  });

  it(`answers ${REQUESTS} generated requests without a 5xx, and ends every accepted task`, async () => {
    const r = generator(SEED);
    const out = stack.workDir;
    const accepted: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;

    // The whole run is drawn before it starts, so that a seed replays it.
    const plan = Array.from({ length: REQUESTS }, () => request(r, out));
    const cancelDraws = Array.from({ length: REQUESTS }, () => r.next());
    const worker = async () => {
      while (sent < REQUESTS) {
        const drawn = plan[sent] as Request;
        const cancelDraw = cancelDraws[sent] as number;
        sent += 1;
        const known =
          accepted[Math.floor(cancelDraw * accepted.length)] ?? 'none';
        const req = { ...drawn, path: drawn.path.replace(KNOWN_ID, known) };
        const headers: Record<string, string> = req.type
          ? { 'content-type': req.type }
          : {};
        const response = await fetch(`${stack.url}${req.path}`, {
          method: req.method,
          headers,
          body: req.body,
        });
        const text = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const what = `${req.method} ${req.path.slice(0, 200)} ${String(req.body).slice(0, 600)} (seed ${SEED})`;
        if (response.status >= 500) {
          const logged = stack
            .output()
            .split('\n')
            .filter((l) => l.includes('request failed'));
          assert.fail(
            `${response.status} for ${what}: ${text.slice(0, 300)}\n${logged.join('\n')}`,
          );
        }
        const body = parseJson(text, `${response.status} for ${what}`) as {
          id?: string;
          status_code?: number;
          msg?: string;
        };
        if (response.status >= 400) {
          assert.equal(body.status_code, response.status, what);
          assert.equal(typeof body.msg, 'string', what);
        } else if (req.method === 'POST' && req.path === '/tasks') {
          assert.equal(typeof body.id, 'string', what);
          accepted.push(body.id as string);
          // All but a few accepted tasks are cancelled at once, so that
          // the run stays short; those few run to their end.
          if (accepted.length > RUN_TO_END) {
            const cancel = await fetch(`${stack.url}/tasks/${body.id}:cancel`, {
              method: 'POST',
            });
            assert.equal(cancel.status, 200);
            await cancel.text();
          }
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    // Right after the burst (most accepted tasks cancelled), a new task
    // still runs; how long it took is printed, not asserted.
    const started = Date.now();
    const probe = await fetch(`${stack.url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ executors: [{ image: 'a', command: ['true'] }] }),
    });
    const { id: probeId } = (await probe.json()) as { id: string };
    for (;;) {
      const answer = await fetch(`${stack.url}/tasks/${probeId}`);
      const { state } = (await answer.json()) as { state: TaskState };
      if (FINAL.includes(state)) {
        assert.equal(state, 'COMPLETE');
        break;
      }
      await sleep(100);
    }
    console.log(
      `a task created right after the burst completed in ${Date.now() - started} ms`,
    );
    console.log(
      `statuses: ${JSON.stringify(Object.fromEntries(statuses))}; accepted ${accepted.length}`,
    );
    assert.ok(accepted.length > 100, 'the generator makes valid tasks too');

    const deadline = Date.now() + 600_000;
    let pending = [...accepted];
    while (pending.length > 0 && Date.now() < deadline) {
      const states = await allStates(stack.url);
      pending = accepted.filter(
        (id) => !FINAL.includes(states.get(id) as TaskState),
      );
      if (pending.length > 0) await sleep(1000);
    }
    assert.deepEqual(pending, [], 'every accepted task reached a final state');
  });
});
