/**
 * The Docker container driver, end to end through the local stack, with a
 * stand-in `docker` on PATH that records each command line and runs it in
 * the local sandbox: the exact argv, the mounts, the exit codes.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../support/paths';
import { type Stack, startStack } from '../support/stack';
import {
  cancelTask,
  createTask,
  waitForEnd,
  waitForTask,
} from '../support/tes-client';

describe('the Docker driver', () => {
  let stack: Stack;
  let log: string;
  let out: string;

  const commands = () =>
    readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as string[]);

  before(async () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'fake-docker-'));
    log = path.join(bin, 'commands.jsonl');
    writeFileSync(log, '');
    const script = path.join(
      REPO_ROOT,
      'dist',
      'test',
      'support',
      'fake-docker.js',
    );
    // The worker passes on only the environment it needs: the wrapper
    // carries the log's path itself.
    writeFileSync(
      path.join(bin, 'docker'),
      `#!/bin/sh\nFAKE_DOCKER_LOG="${log}" exec "${process.execPath}" "${script}" "$@"\n`,
    );
    chmodSync(path.join(bin, 'docker'), 0o755);
    out = mkdtempSync(path.join(os.tmpdir(), 'tes-docker-out-'));
    stack = await startStack({
      env: {
        TES_CONTAINER_DRIVER: 'docker',
        // Every message twice: two teardowns, two SIGTERMs to a worker
        // whose kill is under way.
        TES_FAULT_DUPLICATE_DELIVERY: '1',
        PATH: `${bin}:${process.env.PATH}`,
      },
    });
  });
  after(async () => {
    await stack?.stop();
  });

  it('pulls each image once and runs each executor with exactly the argv it builds', async () => {
    const id = await createTask(stack.url, {
      inputs: [{ path: '/data/in.txt', content: 'b\na\n' }],
      outputs: [
        { path: '/data/out/sorted.txt', url: `file://${out}/sorted.txt` },
      ],
      resources: { cpu_cores: 2, ram_gb: 1.5 },
      executors: [
        {
          image: 'debian:12',
          command: ['sort', '/data/in.txt'],
          stdout: '/data/out/sorted.txt',
        },
        {
          image: 'debian:12',
          command: ['sh', '-c', 'echo "$X"; exit 3'],
          workdir: '/data',
          env: { X: 'a b; $(c)' },
        },
      ],
    });
    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'EXECUTOR_ERROR');
    assert.deepEqual(
      task.logs?.[0]?.logs.map((l) => l.exit_code),
      [0, 3],
    );
    assert.equal(task.logs?.[0]?.logs[1]?.stdout, 'a b; $(c)\n');
    assert.equal(readFileSync(path.join(out, 'sorted.txt'), 'utf8'), 'a\nb\n');
    assert.match(
      task.logs?.[0]?.system_logs?.join('\n') ?? '',
      /image debian:12 run with Docker/,
    );

    const fs = path.join(stack.workDir, 'work', id, '1', 'fs');
    const mine = commands().filter((c) => c.includes('debian:12'));
    assert.deepEqual(mine[0], ['pull', 'debian:12']);
    const common = [
      '--network',
      'none',
      '--volume',
      `${fs}/data:/data`,
      '--volume',
      `${fs}/tmp:/tmp`,
      '--volume',
      `${fs}/data/in.txt:/data/in.txt:ro`,
      '--cpus',
      '2',
      '--memory',
      '1536m',
    ];
    assert.deepEqual(mine[1], [
      'run',
      '--rm',
      '--name',
      `tes-${id}-1-0`,
      ...common,
      'debian:12',
      'sort',
      '/data/in.txt',
    ]);
    assert.deepEqual(mine[2], [
      'run',
      '--rm',
      '--name',
      `tes-${id}-1-1`,
      ...common,
      '--workdir',
      '/data',
      '--env',
      'X=a b; $(c)',
      'debian:12',
      'sh',
      '-c',
      'echo "$X"; exit 3',
    ]);
    assert.equal(mine.length, 3);
  });

  it('ends SYSTEM_ERROR when an image cannot be pulled, running nothing', async () => {
    const id = await createTask(stack.url, {
      executors: [{ image: 'missing/image:1', command: ['true'] }],
    });
    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'SYSTEM_ERROR');
    assert.match(
      task.logs?.[0]?.system_logs?.join('\n') ?? '',
      /image failed: image missing\/image:1 could not be pulled/,
    );
    assert.ok(
      !commands().some((c) => c[0] === 'run' && c.includes('missing/image:1')),
    );
  });

  /** Runs a task until its executor is up, cancels it, and waits. */
  async function cancelRunning(): Promise<string> {
    const id = await createTask(stack.url, {
      executors: [
        { image: 'debian:12', command: ['sh', '-c', 'echo up; sleep 60'] },
      ],
    });
    await waitForTask(
      stack.url,
      id,
      (t) => t.logs?.[0]?.logs[0]?.stdout === 'up\n',
    );
    await cancelTask(stack.url, id);
    assert.equal((await waitForEnd(stack.url, id)).state, 'CANCELED');
    return id;
  }

  /** The `docker kill` commands given for a task's first container. */
  const kills = (id: string) =>
    commands().filter((c) => c[0] === 'kill' && c[1] === `tes-${id}-1-0`);

  /** The worker's own log of a task's first attempt. */
  const workerLog = (id: string) =>
    readFileSync(
      path.join(stack.workDir, 'work', id, '1', 'worker.log'),
      'utf8',
    );

  it('kills the container by name when the task is cancelled', async () => {
    const id = await cancelRunning();
    // The worker waits for the kill before it exits: it is done by now.
    assert.equal(kills(id).length, 1, workerLog(id));
  });

  it('asks again when the daemon fails to kill the container', async () => {
    writeFileSync(path.join(path.dirname(log), 'kill-fails'), '');
    const id = await cancelRunning();
    // Three seconds of tries can outlast the worker's stop grace (it is
    // then killed, its detached kill going on): polled, not assumed done.
    await waitForTask(stack.url, id, () => kills(id).length >= 2, 15_000);
    assert.equal(kills(id).length, 2, workerLog(id));
    assert.doesNotMatch(workerLog(id), /could not be killed/);
  });
});
