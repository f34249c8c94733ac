/**
 * The worker's whole task contract, through the local stack: every input
 * kind, executors in order with their exit codes, outputs (files,
 * directories, wildcards) even after an executor error, output tails, and
 * the sandbox's walls.
 */
import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

describe('the worker', () => {
  let stack: Stack;
  let dir: string;
  let server: http.Server;
  let web: string;

  before(async () => {
    stack = await startStack();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tes-worker-'));
    mkdirSync(path.join(dir, 'tree', 'sub'), { recursive: true });
    writeFileSync(path.join(dir, 'local.txt'), 'from a file\n');
    writeFileSync(path.join(dir, 'tree', 'a.txt'), 'a\n');
    writeFileSync(path.join(dir, 'tree', 'sub', 'b.txt'), 'bb\n');
    server = http.createServer((req, res) => {
      if (req.url === '/data.txt') res.end('from http\n');
      else if (req.url === '/moved')
        res.writeHead(302, { location: '/data.txt' }).end();
      else res.writeHead(404).end('missing');
    });
    await new Promise<void>((resolve) =>
      server.listen(0, '127.0.0.1', resolve),
    );
    web = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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

  it('holds cpu_cores to that many CPUs, kills an executor past ram_gb, caps /dev/shm, and keeps / read-only', async () => {
    const pinned = await createTask(stack.url, {
      resources: { cpu_cores: 1 },
      executors: [sh('grep Cpus_allowed_list /proc/self/status')],
    });
    const hungry = await createTask(stack.url, {
      resources: { ram_gb: 0.1 },
      executors: [
        sh(
          'python3 -c "import time; b = bytearray(300 * 2**20); time.sleep(20)"',
        ),
        sh('echo never'),
      ],
    });
    const shm = await createTask(stack.url, {
      executors: [sh('head -c 100000000 /dev/zero > /dev/shm/big')],
    });
    const rootfs = await createTask(stack.url, {
      executors: [sh('mkdir -p /var/tmp || echo /dev/x > /dev/x')],
    });
    const modest = await createTask(stack.url, {
      resources: { ram_gb: 0.5 },
      executors: [sh('python3 -c "b = bytearray(50 * 2**20); print(len(b))"')],
    });

    const one = await waitForEnd(stack.url, pinned);
    assert.equal(one.state, 'COMPLETE', systemLogs(one));
    assert.match(
      one.logs?.[0]?.logs[0]?.stdout ?? '',
      /^Cpus_allowed_list:\s+\d+\n$/,
    );

    const killed = await waitForEnd(stack.url, hungry);
    assert.equal(killed.state, 'EXECUTOR_ERROR');
    assert.deepEqual(
      killed.logs?.[0]?.logs.map((l) => l.exit_code),
      [137],
    );
    assert.match(
      systemLogs(killed),
      /executor 0 killed: its processes held \d+ MiB, over the task's ram_gb \(102 MiB\)/,
    );

    const capped = await waitForEnd(stack.url, shm);
    assert.equal(capped.state, 'EXECUTOR_ERROR');
    assert.equal(capped.logs?.[0]?.logs[0]?.exit_code, 1);
    assert.match(capped.logs?.[0]?.logs[0]?.stderr ?? '', /No space left/);

    const readOnly = await waitForEnd(stack.url, rootfs);
    assert.equal(readOnly.state, 'EXECUTOR_ERROR');
    assert.equal(
      readOnly.logs?.[0]?.logs[0]?.stderr?.match(/Read-only file system/g)
        ?.length,
      2,
      readOnly.logs?.[0]?.logs[0]?.stderr,
    );

    const fine = await waitForEnd(stack.url, modest);
    assert.equal(fine.state, 'COMPLETE', systemLogs(fine));
    assert.equal(fine.logs?.[0]?.logs[0]?.stdout, `${50 * 2 ** 20}\n`);
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

  it('keeps the sandbox shut: no remounting, no network, no links out', async () => {
    const secret = path.join(dir, 'secret.txt');
    writeFileSync(secret, 'host secret\n');
    const remount = await createTask(stack.url, {
      executors: [sh('mount -o remount,rw,bind /usr && touch /usr/escaped')],
    });
    const network = await createTask(stack.url, {
      executors: [
        {
          image: 'a',
          command: [
            'node',
            '-e',
            `fetch('${web}/data.txt').then(()=>process.exit(0),()=>process.exit(4))`,
          ],
        },
      ],
    });
    const link = await createTask(stack.url, {
      volumes: ['/data'],
      outputs: [{ path: '/data/leak.txt', url: `file://${dir}/leak.txt` }],
      executors: [
        sh(`ln -s ${secret} /data/leak.txt && ln -s ${secret} /data/log.txt`),
        sh('echo overwritten', { stdout: '/data/log.txt' }),
      ],
    });
    assert.notEqual(
      (await waitForEnd(stack.url, remount)).logs?.[0]?.logs[0]?.exit_code,
      0,
    );
    assert.equal(
      (await waitForEnd(stack.url, network)).logs?.[0]?.logs[0]?.exit_code,
      4,
    );
    const linked = await waitForEnd(stack.url, link);
    assert.equal(linked.state, 'SYSTEM_ERROR');
    assert.match(systemLogs(linked), /symbolic link/);
    assert.equal(readFileSync(secret, 'utf8'), 'host secret\n');
    assert.throws(() => readFileSync('/usr/escaped'));
    assert.throws(() => readFileSync(path.join(dir, 'leak.txt')));
  });

  it('leaves kernel settings alone, strips setuid bits, and refuses a FIFO redirect', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'tes-out-'));
    const before = readFileSync('/proc/sys/kernel/core_uses_pid', 'utf8');
    const sysctl = await createTask(stack.url, {
      executors: [sh('echo 1 > /proc/sys/kernel/core_uses_pid')],
    });
    const setuid = await createTask(stack.url, {
      outputs: [{ path: '/data/o', url: `file://${out}/o`, type: 'DIRECTORY' }],
      executors: [
        sh(
          'mkdir -p /data/o && cp /usr/bin/id /data/o/id && chmod 4755 /data/o/id',
        ),
      ],
    });
    const fifo = await createTask(stack.url, {
      volumes: ['/data'],
      executors: [
        sh('mkfifo /data/in'),
        { image: 'a', command: ['cat'], stdin: '/data/in' },
      ],
    });
    assert.notEqual(
      (await waitForEnd(stack.url, sysctl)).logs?.[0]?.logs[0]?.exit_code,
      0,
    );
    assert.equal(
      readFileSync('/proc/sys/kernel/core_uses_pid', 'utf8'),
      before,
    );
    assert.equal((await waitForEnd(stack.url, setuid)).state, 'COMPLETE');
    assert.equal(statSync(path.join(out, 'o', 'id')).mode & 0o7777, 0o755);
    const blocked = await waitForEnd(stack.url, fifo, 20_000);
    assert.equal(blocked.state, 'SYSTEM_ERROR');
    assert.match(systemLogs(blocked), /not a regular file/);
  });

  it('refuses inputs from the service itself: emulators and the API', async () => {
    for (const url of [
      `http://${process.env.FIRESTORE_EMULATOR_HOST}/v1/projects/x/databases/(default)/documents/tasks`,
      `${stack.url}/tasks?view=FULL`,
    ]) {
      const id = await createTask(stack.url, {
        inputs: [{ path: '/in/tasks.json', url }],
        executors: [sh('cat /in/tasks.json')],
      });
      const task = await waitForEnd(stack.url, id);
      assert.equal(task.state, 'SYSTEM_ERROR', url);
      assert.match(
        systemLogs(task),
        /the service's own endpoints are not inputs/,
      );
    }
  });

  it('lets executors write to /dev/stdout and /dev/stderr by name', async () => {
    const id = await createTask(stack.url, {
      executors: [
        sh('echo out > /dev/stdout; echo err | tee /dev/stderr > /dev/null'),
      ],
    });
    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'COMPLETE', systemLogs(task));
    assert.equal(task.logs?.[0]?.logs[0]?.stdout, 'out\n');
    assert.equal(task.logs?.[0]?.logs[0]?.stderr, 'err\n');
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
