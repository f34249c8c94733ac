/**
 * The local sandbox's walls, through the whole stack: the resources it
 * holds (CPUs, memory, /dev/shm, a read-only root), what it keeps
 * executors from (remounting, the network, kernel settings, links out,
 * the service's own endpoints), and the real pipes it gives them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Stack, startStack } from '../support/stack';
import { createTask, sh, systemLogs, waitForEnd } from '../support/tes-client';
import { serveHttp, type WebServer } from '../support/web-server';

describe('the local sandbox', () => {
  let stack: Stack;
  let dir: string;
  let server: WebServer;
  let web: string;

  before(async () => {
    stack = await startStack();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tes-sandbox-'));
    // Something on the network an executor should not reach.
    server = await serveHttp((_req, res) => res.end('from http\n'));
    web = server.url;
  });
  after(async () => {
    await stack?.stop();
    server?.close();
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
});
