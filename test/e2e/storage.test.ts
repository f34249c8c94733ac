/**
 * gs:// inputs and outputs through the whole local stack, against the
 * Cloud Storage emulator the test runner started: objects and prefixes
 * in, files, folders and wildcards out, with the bytes checked on both
 * sides, and the failures a user must be told about. The whole stdout
 * and stderr are in whole-logs.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Storage } from '@google-cloud/storage';
import { type Stack, startStack } from '../support/stack';
import {
  call,
  createTask,
  sh,
  systemLogs,
  waitForEnd,
} from '../support/tes-client';

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

describe('gs:// inputs and outputs', () => {
  let stack: Stack;
  const storage = new Storage({ retryOptions: { autoRetry: false } });
  const name = `tes-test-${randomBytes(4).toString('hex')}`;
  const bucket = storage.bucket(name);
  const gs = (object: string) => `gs://${name}/${object}`;

  /** An object's bytes, as the emulator holds them. */
  async function read(object: string): Promise<Buffer> {
    const [data] = await bucket.file(object).download();
    return data;
  }

  before(async () => {
    assert.ok(process.env.STORAGE_EMULATOR_HOST, 'the test runner sets it');
    stack = await startStack();
    await Promise.all([
      bucket.file('inputs/one.txt').save('one\n'),
      bucket.file('inputs/ref/top.fa').save('>top\nACGT\n'),
      bucket.file('inputs/ref/index/deep file.idx').save('deep\n'),
      // A console-made "folder": a placeholder object, not a file.
      bucket.file('inputs/ref/index/').save(''),
      // A sibling that shares the prefix's first letters only.
      bucket.file('inputs/refs-other.txt').save('not mine\n'),
    ]);
  });
  after(async () => {
    await stack?.stop();
  });

  it('fetches an object and a whole prefix, placeholders aside', async () => {
    const id = await createTask(stack.url, {
      inputs: [
        { path: '/in/one.txt', url: gs('inputs/one.txt') },
        { path: '/in/ref', url: gs('inputs/ref'), type: 'DIRECTORY' },
      ],
      executors: [
        sh(
          'cat /in/one.txt /in/ref/top.fa "/in/ref/index/deep file.idx"; find /in/ref -type f | sort',
        ),
      ],
    });
    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'COMPLETE', systemLogs(task));
    assert.equal(
      task.logs?.[0]?.logs[0]?.stdout,
      'one\n>top\nACGT\ndeep\n/in/ref/index/deep file.idx\n/in/ref/top.fa\n',
    );
    assert.match(
      systemLogs(task),
      new RegExp(
        `input fetched: ${gs('inputs/ref')} -> /in/ref \\(2 files, 15 bytes\\)`,
      ),
    );
  });

  it('stores files, folders and wildcard matches as objects with their bytes', async () => {
    const big = 'outputs/big.bin';
    const id = await createTask(stack.url, {
      outputs: [
        { path: '/out/big.bin', url: gs(big) },
        {
          path: '/out/res/*.txt',
          path_prefix: '/out/res',
          url: gs('outputs/txt'),
        },
        {
          path: '/out/res/*.none',
          path_prefix: '/out/res',
          url: gs('outputs/none'),
        },
        { path: '/out/tree', url: gs('outputs/tree'), type: 'DIRECTORY' },
      ],
      executors: [
        sh(
          // 12 MB of pseudo-random bytes: a resumable upload, not a simple one.
          'mkdir -p /out/res/sub /out/tree/x/y && head -c 12000000 /dev/urandom > /out/big.bin && md5sum /out/big.bin && printf 1 > "/out/res/a b.txt" && printf 22 > /out/res/c.txt && printf 333 > /out/res/sub/d.txt && printf 4444 > /out/tree/x/y/deep.dat && printf 5 > /out/tree/top.dat',
        ),
      ],
    });
    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'COMPLETE', systemLogs(task));
    assert.deepEqual(
      task.logs?.[0]?.outputs.map((o) => [o.path, o.url, o.size_bytes]),
      [
        ['/out/big.bin', gs(big), '12000000'],
        ['/out/res/a b.txt', gs('outputs/txt/a b.txt'), '1'],
        ['/out/res/c.txt', gs('outputs/txt/c.txt'), '2'],
        ['/out/tree/top.dat', gs('outputs/tree/top.dat'), '1'],
        ['/out/tree/x/y/deep.dat', gs('outputs/tree/x/y/deep.dat'), '4'],
      ],
    );
    const printed = task.logs?.[0]?.logs[0]?.stdout?.split(' ')[0];
    assert.equal(md5(await read(big)), printed);
    assert.equal((await read('outputs/txt/a b.txt')).toString(), '1');
    assert.equal((await read('outputs/tree/x/y/deep.dat')).toString(), '4444');
    const [under] = await bucket.getFiles({ prefix: 'outputs/' });
    assert.deepEqual(under.map((f) => f.name).sort(), [
      'outputs/big.bin',
      'outputs/tree/top.dat',
      'outputs/tree/x/y/deep.dat',
      'outputs/txt/a b.txt',
      'outputs/txt/c.txt',
    ]);
  });

  it('stores what it can and says what it skipped: links, unusable names, empty folders', async () => {
    const id = await createTask(stack.url, {
      outputs: [
        // A path_prefix ending in "/", and one as high as "/".
        {
          path: '/out/w/*.txt',
          path_prefix: '/out/w/',
          url: gs('skips/w'),
        },
        { path: '/out/v/*.txt', path_prefix: '/', url: gs('skips/root') },
        { path: '/out/d', url: gs('skips/d'), type: 'DIRECTORY' },
        { path: '/out/empty', url: gs('skips/empty'), type: 'DIRECTORY' },
      ],
      executors: [
        sh(
          [
            'mkdir -p /out/w /out/v /out/d /out/empty',
            'printf w > "/out/w/one two.txt"',
            'ln -s "one two.txt" /out/w/latest.txt',
            'printf v > /out/v/v.txt',
            'printf ok > /out/d/ok.txt',
            `printf bad > "/out/d/line$(printf '\\nbreak')"`,
            'ln -s /etc /out/d/etc',
            `printf z > "/out/d/zz$(printf '\\377')name"`,
            'mkfifo /out/d/fifo',
            `mkdir "/out/d/sub$(printf '\\376')" && printf q > "/out/d/sub$(printf '\\376')/q"`,
            `mkdir "/out/w/x$(printf '\\377')" && printf q > "/out/w/b$(printf '\\377').txt"`,
          ].join(' && '),
        ),
      ],
    });
    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'COMPLETE', systemLogs(task));
    assert.deepEqual(
      task.logs?.[0]?.outputs.map((o) => [o.path, o.url]),
      [
        ['/out/w/one two.txt', gs('skips/w/one two.txt')],
        ['/out/v/v.txt', gs('skips/root/out/v/v.txt')],
        ['/out/d/ok.txt', gs('skips/d/ok.txt')],
      ],
    );
    const logs = systemLogs(task);
    assert.match(
      logs,
      /output not stored: \/out\/w\/latest\.txt is a symbolic link/,
    );
    assert.match(logs, /output not stored: \/out\/d\/etc is a symbolic link/);
    assert.match(
      logs,
      /output not stored: "\/out\/d\/line\\nbreak" object names cannot contain line breaks/,
    );
    assert.match(logs, /output folder empty: \/out\/empty/);
    assert.match(
      logs,
      /output not stored: \/out\/d\/zz\uFFFDname has a name that is not valid UTF-8/,
    );
    assert.match(
      logs,
      /output not stored: \/out\/d\/fifo is not a regular file/,
    );
    assert.match(
      logs,
      /output not stored: \/out\/d\/sub\uFFFD has a name that is not valid UTF-8/,
    );
    assert.match(
      logs,
      /output not stored: \/out\/w\/b\uFFFD\.txt has a name that is not valid UTF-8/,
    );
    assert.doesNotMatch(logs, /output not found/);
    const [stored] = await bucket.getFiles({ prefix: 'skips/' });
    assert.deepEqual(stored.map((f) => f.name).sort(), [
      'skips/d/ok.txt',
      'skips/root/out/v/v.txt',
      'skips/w/one two.txt',
    ]);
  });

  it('skips an object that other objects use as their folder', async () => {
    await bucket.file('clash/a/b').save('file\n');
    await bucket.file('clash/a/b/c').save('below\n');
    const id = await createTask(stack.url, {
      inputs: [{ path: '/in/x', url: gs('clash'), type: 'DIRECTORY' }],
      executors: [sh('cat /in/x/a/b/c')],
    });
    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'COMPLETE', systemLogs(task));
    assert.equal(task.logs?.[0]?.logs[0]?.stdout, 'below\n');
    assert.match(
      systemLogs(task),
      /input object skipped: clash\/a\/b is also a folder of other objects below \/in\/x/,
    );
  });

  it('ends SYSTEM_ERROR, running nothing, when an object is missing', async () => {
    const id = await createTask(stack.url, {
      inputs: [
        { path: '/in/one.txt', url: gs('inputs/one.txt') },
        { path: '/in/gone.txt', url: gs('inputs/gone.txt') },
      ],
      executors: [sh('echo ran')],
    });
    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'SYSTEM_ERROR');
    assert.deepEqual(task.logs?.[0]?.logs, []);
    assert.match(
      systemLogs(task),
      new RegExp(`input failed: ${gs('inputs/gone.txt')}: No such object`),
    );
  });

  it('ends SYSTEM_ERROR when a DIRECTORY input names an empty prefix', async () => {
    const id = await createTask(stack.url, {
      inputs: [{ path: '/in/d', url: gs('nothing-here'), type: 'DIRECTORY' }],
      executors: [sh('echo ran')],
    });
    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'SYSTEM_ERROR');
    assert.match(
      systemLogs(task),
      new RegExp(`no objects under gs://${name}/nothing-here/`),
    );
  });

  it('skips an object whose name would climb out of the input folder', async () => {
    await bucket.file('climb/ok.txt').save('ok\n');
    await bucket.file('climb/../escape.txt').save('out\n');
    const id = await createTask(stack.url, {
      inputs: [{ path: '/in/c', url: gs('climb'), type: 'DIRECTORY' }],
      executors: [sh('find /in -type f | sort')],
    });
    const task = await waitForEnd(stack.url, id);
    assert.equal(task.state, 'COMPLETE', systemLogs(task));
    assert.equal(task.logs?.[0]?.logs[0]?.stdout, '/in/c/ok.txt\n');
    assert.match(
      systemLogs(task),
      /input object skipped: climb\/\.\.\/escape\.txt is not a path below \/in\/c/,
    );
  });

  it('refuses malformed gs:// URLs at creation, naming the field', async () => {
    const answer = await call<{ message: string; details?: unknown }>(
      `${stack.url}/tasks`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: [{ path: '/in/a', url: 'gs://Not_A_Bucket/a' }],
          outputs: [{ path: '/out/a', url: `gs://${name}` }],
          executors: [sh('true')],
        }),
      },
    );
    assert.equal(answer.status, 400);
    const text = JSON.stringify(answer.body);
    assert.match(text, /inputs\[0\]\.url/);
    assert.match(text, /not a valid bucket name/);
    assert.match(text, /outputs\[0\]\.url/);
    assert.match(text, /must name an object/);

    const logs = await call(`${stack.url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        executors: [sh('true')],
        resources: { backend_parameters: { logs_url: 'gs://x/logs' } },
      }),
    });
    assert.equal(logs.status, 400);
    assert.match(
      JSON.stringify(logs.body),
      /resources\.backend_parameters\.logs_url.*\\"x\\" is not a valid bucket name/,
    );
  });
});
