/**
 * A smoke test of the Cloud Storage emulator itself, started from code
 * out of the pinned firebase-tools' internals: the calls the worker makes
 * (object upload, simple and resumable; download; listing by prefix;
 * paging), the error a missing object gives, and the save and load that
 * keep local buckets across restarts. An upgrade that changes what the
 * worker relies on fails here first.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Storage } from '@google-cloud/storage';
import { type Emulator, startStorage } from '../../local/emulators';
import { freePort } from '../../local/ports';

const md5 = (data: Buffer) => createHash('md5').update(data).digest('base64');

describe('the Cloud Storage emulator', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tes-gcs-'));
  const persistDir = path.join(dir, 'saved');
  let emulator: Emulator;
  let storage: Storage;

  const start = async () => {
    emulator = await startStorage({
      port: await freePort(),
      logDir: dir,
      workDir: path.join(dir, 'emulator'),
      persistDir,
    });
    // The client reads its endpoint from here, over any option: this
    // file's process talks to this emulator, not the test runner's.
    process.env.STORAGE_EMULATOR_HOST = emulator.host;
    storage = new Storage({ retryOptions: { autoRetry: false } });
  };

  before(start);
  after(async () => {
    await emulator?.stop();
  });

  it('answers on 127.0.0.1 with the scheme STORAGE_EMULATOR_HOST takes', () => {
    assert.match(emulator.host, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('keeps the bytes of simple and resumable uploads, with their md5', async () => {
    const bucket = storage.bucket('smoke');
    const small = Buffer.from('small object\n');
    const large = randomBytes(6 * 1024 * 1024);
    const file = path.join(dir, 'large.bin');
    writeFileSync(file, large);

    await bucket.file('a/small.txt').save(small, { resumable: false });
    await bucket.upload(file, { destination: 'a/large.bin', resumable: true });

    const [meta] = await bucket.file('a/large.bin').getMetadata();
    assert.equal(meta.size, String(large.length));
    assert.equal(meta.md5Hash, md5(large));
    const [back] = await bucket.file('a/small.txt').download();
    assert.equal(back.toString(), 'small object\n');
    const copy = path.join(dir, 'large.back');
    await bucket.file('a/large.bin').download({ destination: copy });
    assert.ok(readFileSync(copy).equals(large));
  });

  it('lists by prefix, with folders under a delimiter, page by page', async () => {
    const bucket = storage.bucket('listing');
    for (const name of ['p/1', 'p/2', 'p/3', 'p/sub/4', 'q/5']) {
      await bucket.file(name).save(name);
    }
    const [all] = await bucket.getFiles({ prefix: 'p/' });
    assert.deepEqual(
      all.map((f) => f.name),
      ['p/1', 'p/2', 'p/3', 'p/sub/4'],
    );

    const [top, , response] = await bucket.getFiles({
      prefix: 'p/',
      delimiter: '/',
      autoPaginate: false,
    });
    assert.deepEqual(
      top.map((f) => f.name),
      ['p/1', 'p/2', 'p/3'],
    );
    assert.deepEqual((response as { prefixes: string[] }).prefixes, ['p/sub/']);

    const [page, next] = await bucket.getFiles({
      prefix: 'p/',
      maxResults: 2,
      autoPaginate: false,
    });
    assert.equal(page.length, 2);
    assert.ok(next, 'a second page is offered');
    const [rest] = await bucket.getFiles(next as object);
    assert.deepEqual(
      rest.map((f) => f.name),
      ['p/3', 'p/sub/4'],
    );
  });

  it('answers 404 with "No such object" for a missing object', async () => {
    await assert.rejects(
      storage.bucket('smoke').file('missing').download(),
      (error: { code?: number; message: string }) =>
        error.code === 404 && /No such object/.test(error.message),
    );
  });

  it('stops by itself when the process that started it is killed outright', async () => {
    const starter = spawn(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(path.join(__dirname, '..', '..', 'local', 'emulators.js'))})
          .startStorage({ port: ${await freePort()}, logDir: ${JSON.stringify(dir)}, workDir: ${JSON.stringify(path.join(dir, 'orphan'))} })
          .then((e) => console.log(e.host));
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [line] = (await once(starter.stdout as Readable, 'data')) as [Buffer];
    const host = line.toString().trim();
    assert.equal(
      (await fetch(host)).status,
      501,
      'it answers while its starter lives',
    );
    starter.kill('SIGKILL');

    let answering = true;
    for (let i = 0; i < 40 && answering; i += 1) {
      await sleep(250);
      answering = await fetch(host).then(
        () => true,
        () => false,
      );
    }
    assert.equal(
      answering,
      false,
      'still answering 10 s after its starter died',
    );
  });

  it('saves its buckets at stop and loads them at start, deletions included', async () => {
    const bucket = storage.bucket('kept');
    await bucket.file('stays.txt').save('stays\n');
    await bucket.file('goes.txt').save('goes\n');
    await emulator.stop();
    await start();

    await storage.bucket('kept').file('goes.txt').delete();
    await emulator.stop();
    await start();

    const [files] = await storage.bucket('kept').getFiles();
    assert.deepEqual(
      files.map((f) => f.name),
      ['stays.txt'],
    );
    const [data] = await storage.bucket('kept').file('stays.txt').download();
    assert.equal(data.toString(), 'stays\n');
  });
});
