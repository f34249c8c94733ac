/**
 * The worker's whole task contract, through the local stack: every input
 * kind, executors in order with their exit codes, outputs (files,
 * directories, wildcards) even after an executor error, and output tails.
 * The sandbox's walls are in sandbox.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Firestore } from '@google-cloud/firestore';
import type { TaskRecord } from '../../shared/task-record';
import { TASKS_COLLECTION } from '../../shared/topology';
import { type Stack, startStack } from '../support/stack';
import {
  cancelTask,
  createTask,
  sh,
  systemLogs,
  waitForEnd,
  waitForTask,
} from '../support/tes-client';
import { serveHttp, type WebServer } from '../support/web-server';

describe('the worker', () => {
  let stack: Stack;
  let dir: string;
  let server: WebServer;
  let web: string;

  before(async () => {
    stack = await startStack();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tes-worker-'));
    mkdirSync(path.join(dir, 'tree', 'sub'), { recursive: true });
    writeFileSync(path.join(dir, 'local.txt'), 'from a file\n');
    writeFileSync(path.join(dir, 'tree', 'a.txt'), 'a\n');
    writeFileSync(path.join(dir, 'tree', 'sub', 'b.txt'), 'bb\n');
    server = await serveHttp((req, res) => {
      if (req.url === '/data.txt') res.end('from http\n');
      else if (req.url === '/moved')
        res.writeHead(302, { location: '/data.txt' }).end();
      else res.writeHead(404).end('missing');
    });
    web = server.url;
  });
  after(async () => {
    await stack?.stop();
    server?.close();
  });

  it('fetches every input kind before the executors run', async () => {
    const id = await createTask(stack.url, {
      inputs: [
        { path: '/in/content.txt', content: 'inline\n' },
        { path: '/in/file.txt', url: `file://${dir}/local.txt` },
        { path: '/in/tree', url: `file://${dir}/tree`, type: 'DIRECTORY' },
        { path: '/in/http.txt', url: `${web}/data.txt` },
        { path: '/in/redirected.txt', url: `${web}/moved` },
      ],
      executors: [
        sh(
          'cat /in/content.txt /in/file.txt /in/tree/a.txt /in/tree/sub/b.txt /in/http.txt /in/redirected.txt',
        ),
      ],
    });
    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'COMPLETE', systemLogs(task));
    assert.equal(
      task.logs?.[0]?.logs[0]?.stdout,
      'inline\nfrom a file\na\nbb\nfrom http\nfrom http\n',
    );
  });

  it('ends SYSTEM_ERROR, running nothing, when an input cannot be fetched', async () => {
    const id = await createTask(stack.url, {
      inputs: [{ path: '/in/x.txt', url: `${web}/nope` }],
      executors: [sh('echo ran')],
    });
    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'SYSTEM_ERROR');
    assert.deepEqual(task.logs?.[0]?.logs, []);
    assert.match(
      systemLogs(task),
      new RegExp(`input failed: ${web}/nope: HTTP 404`),
    );
  });

  it('runs executors in order, continues past ignore_error, stops at a failure, and still stores outputs', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'tes-out-'));
    const id = await createTask(stack.url, {
      outputs: [{ path: '/work/steps.txt', url: `file://${out}/steps.txt` }],
      volumes: ['/work'],
      executors: [
        sh('echo one >> /work/steps.txt'),
        sh('echo two >> /work/steps.txt; exit 7', { ignore_error: true }),
        sh('echo three >> /work/steps.txt'),
        sh('echo four >> /work/steps.txt; exit 9'),
        sh('echo five >> /work/steps.txt'),
      ],
    });
    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'EXECUTOR_ERROR');
    assert.deepEqual(
      task.logs?.[0]?.logs.map((l) => l.exit_code),
      [0, 7, 0, 9],
    );
    assert.equal(
      readFileSync(path.join(out, 'steps.txt'), 'utf8'),
      'one\ntwo\nthree\nfour\n',
    );
    assert.equal(task.logs?.[0]?.outputs[0]?.size_bytes, '19');
  });

  it('reports 128 + the signal for a killed executor, and 127 for a missing program', async () => {
    const killed = await createTask(stack.url, {
      executors: [sh('kill -9 $$')],
    });
    const missing = await createTask(stack.url, {
      executors: [{ image: 'a', command: ['no-such-program'] }],
    });
    assert.equal(
      (await waitForEnd(stack.url, killed)).logs?.[0]?.logs[0]?.exit_code,
      137,
    );
    assert.equal(
      (await waitForEnd(stack.url, missing)).logs?.[0]?.logs[0]?.exit_code,
      127,
    );
  });

  it('stores wildcard and directory outputs, one log per file', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'tes-out-'));
    const id = await createTask(stack.url, {
      outputs: [
        {
          path: '/results/*.txt',
          path_prefix: '/results',
          url: `file://${out}/txt`,
        },
        {
          path: '/results/*.none',
          path_prefix: '/results',
          url: `file://${out}/none`,
        },
        { path: '/tree', url: `file://${out}/tree`, type: 'DIRECTORY' },
      ],
      executors: [
        sh(
          'mkdir -p /results/sub /tree/x/y && printf 1 > "/results/a b.txt" && printf 22 > /results/c.txt && printf 333 > /results/sub/d.txt && printf 4444 > /tree/x/y/deep.dat && printf 5 > /tree/top.dat',
        ),
      ],
    });
    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'COMPLETE', systemLogs(task));
    const logs = task.logs?.[0]?.outputs ?? [];
    assert.deepEqual(
      logs.map((o) => [o.path, o.url, o.size_bytes]),
      [
        ['/results/a b.txt', `file://${out}/txt/a%20b.txt`, '1'],
        ['/results/c.txt', `file://${out}/txt/c.txt`, '2'],
        ['/tree/top.dat', `file://${out}/tree/top.dat`, '1'],
        ['/tree/x/y/deep.dat', `file://${out}/tree/x/y/deep.dat`, '4'],
      ],
    );
    assert.equal(readFileSync(path.join(out, 'txt', 'a b.txt'), 'utf8'), '1');
    assert.equal(
      readFileSync(path.join(out, 'tree', 'x', 'y', 'deep.dat'), 'utf8'),
      '4444',
    );
    assert.doesNotMatch(
      systemLogs(task),
      /none/,
      'a pattern with no match is not an error',
    );
  });

  it('notes a declared output that was never produced, without failing', async () => {
    const id = await createTask(stack.url, {
      outputs: [{ path: '/out/never.txt', url: `file://${dir}/never.txt` }],
      executors: [sh('true')],
    });
    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'COMPLETE');
    assert.match(systemLogs(task), /output not found: \/out\/never.txt/);
  });

  it('honours workdir, env, stdin and stdout, and a writable /tmp', async () => {
    const id = await createTask(stack.url, {
      inputs: [{ path: '/data/in.txt', content: 'c\nb\na\n' }],
      executors: [
        {
          image: 'a',
          command: ['sort'],
          stdin: '/data/in.txt',
          stdout: '/data/sorted.txt',
        },
        sh(
          'pwd; echo "$GREETING"; cat sorted.txt; echo t > /tmp/t && cat /tmp/t',
          {
            workdir: '/data',
            env: { GREETING: 'hi $(id)' },
          },
        ),
      ],
    });
    const task = await waitForEnd(stack.url, id);
    assert.equal(
      task.logs?.[0]?.logs[1]?.stdout,
      '/data\nhi $(id)\na\nb\nc\nt\n',
    );
  });

  it('keeps a valid, bounded tail of 50 MB of binary output, in few reports', async () => {
    const id = await createTask(stack.url, {
      executors: [sh('head -c 50000000 /dev/urandom; printf "\\377\\376END"')],
    });
    const task = await waitForEnd(stack.url, id, 120_000);
    const stdout = task.logs?.[0]?.logs[0]?.stdout ?? '';
    assert.ok(stdout.endsWith('\uFFFD\uFFFDEND'));
    assert.ok(Buffer.byteLength(stdout) <= 10 * 1024);
    assert.equal(Buffer.from(stdout, 'utf8').toString('utf8'), stdout);

    const db = new Firestore({ projectId: stack.projectId });
    const snapshot = await db.collection(TASKS_COLLECTION).doc(id).get();
    const record = snapshot.data() as TaskRecord;
    await db.terminate();
    assert.ok(
      JSON.stringify(record).length < 64 * 1024,
      'the task document stays small',
    );
    const start = Date.parse(task.logs?.[0]?.start_time ?? '');
    const end = Date.parse(task.logs?.[0]?.end_time ?? '');
    const seconds = Math.ceil((end - start) / 1000);
    assert.ok(
      (record.attempts[0]?.seq ?? 99) <= seconds + 3,
      `${record.attempts[0]?.seq} reports in ${seconds} s`,
    );
  });

  it('shows output printed before a long sleep while the executor runs', async () => {
    const id = await createTask(stack.url, {
      executors: [sh('printf x; sleep 60')],
    });
    const running = await waitForTask(
      stack.url,
      id,
      (t) => t.logs?.[0]?.logs[0]?.stdout === 'x',
      15_000,
    );
    assert.equal(running.state, 'RUNNING');
    await cancelTask(stack.url, id);
    assert.equal((await waitForEnd(stack.url, id)).state, 'CANCELED');
  });
});
