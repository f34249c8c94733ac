/**
 * Each executor's whole stdout and stderr, stored through the whole local
 * stack: in the bucket TES_LOGS_URL names, as production does, or where
 * a task's logs_url backend parameter says; byte for byte, and named in
 * the task log's metadata.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Storage } from '@google-cloud/storage';
import { type Stack, startStack } from '../support/stack';
import { createTask, sh, systemLogs, waitForEnd } from '../support/tes-client';

describe('whole stdout and stderr', () => {
  let stack: Stack;
  const storage = new Storage({ retryOptions: { autoRetry: false } });
  const name = `tes-logs-${randomBytes(4).toString('hex')}`;
  const gs = (object: string) => `gs://${name}/${object}`;

  /** An object's bytes, as the emulator holds them. */
  async function read(object: string): Promise<Buffer> {
    const [data] = await storage.bucket(name).file(object).download();
    return data;
  }

  before(async () => {
    assert.ok(process.env.STORAGE_EMULATOR_HOST, 'the test runner sets it');
    stack = await startStack({ env: { TES_LOGS_URL: gs('logs') } });
  });
  after(async () => {
    await stack?.stop();
  });

  it("stores each executor's whole stdout and stderr, byte for byte, and names them", async () => {
    const id = await createTask(stack.url, {
      executors: [
        // 30,000 lines, far past the 10 KB tail, and bytes that are not UTF-8.
        sh("seq 1 30000; printf '\\377\\376end' >&2"),
        sh('echo second; exit 3'),
      ],
    });
    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'EXECUTOR_ERROR', systemLogs(task));
    const prefix = `logs/${id}/1`;
    assert.deepEqual(task.logs?.[0]?.metadata, {
      ...task.logs?.[0]?.metadata,
      executor_0_stdout: gs(`${prefix}/executor-0.stdout`),
      executor_0_stderr: gs(`${prefix}/executor-0.stderr`),
      executor_1_stdout: gs(`${prefix}/executor-1.stdout`),
      executor_1_stderr: gs(`${prefix}/executor-1.stderr`),
    });
    const lines = Array.from({ length: 30000 }, (_, i) => `${i + 1}\n`);
    assert.equal(
      (await read(`${prefix}/executor-0.stdout`)).toString(),
      lines.join(''),
    );
    assert.deepEqual(
      await read(`${prefix}/executor-0.stderr`),
      Buffer.from([0xff, 0xfe, 0x65, 0x6e, 0x64]),
    );
    assert.equal(
      (await read(`${prefix}/executor-1.stdout`)).toString(),
      'second\n',
    );
    assert.equal((await read(`${prefix}/executor-1.stderr`)).length, 0);
    assert.ok(
      (task.logs?.[0]?.logs[0]?.stdout?.length ?? 0) <= 10 * 1024,
      'the tail stays a tail',
    );
  });

  it("stores them where the task's logs_url backend parameter says instead", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tes-logs-'));
    const id = await createTask(stack.url, {
      resources: { backend_parameters: { logs_url: pathToFileURL(dir).href } },
      executors: [sh('echo to a file')],
    });
    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'COMPLETE', systemLogs(task));
    const file = path.join(dir, id, '1', 'executor-0.stdout');
    assert.equal(
      task.logs?.[0]?.metadata?.executor_0_stdout,
      pathToFileURL(file).href,
    );
    assert.equal(readFileSync(file, 'utf8'), 'to a file\n');
  });
});
