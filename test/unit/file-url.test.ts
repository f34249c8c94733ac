import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { assertPlainPath, fileUrlProblem } from '../../shared/file-url';
import { copyRegularFile } from '../../worker/safe-paths';

describe('file:// URLs', () => {
  it('refuses hosts, relative paths and kernel folders by their text', () => {
    const cases: Array<[string, string | undefined]> = [
      ['file:///data/a.txt', undefined],
      ['file://localhost/data/a.txt', undefined],
      [
        'file://other/data',
        'must be file:///absolute/path or file://localhost/absolute/path (no other host, no relative path)',
      ],
      [
        'file:data',
        'must be file:///absolute/path or file://localhost/absolute/path (no other host, no relative path)',
      ],
      ['file:///%70roc/x', 'must not be under /proc'],
      ['file:///tmp/../sys/x', 'must not be under /sys'],
      ['file:///dev', 'must not be under /dev'],
    ];
    for (const [url, problem] of cases) {
      assert.equal(fileUrlProblem(url), problem, url);
    }
  });

  it('refuses a path that reaches a kernel folder through a link, or a FIFO', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tes-file-url-'));
    symlinkSync('/proc', path.join(dir, 'plink'));
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    mkdirSync(path.join(dir, 'real'));
    writeFileSync(path.join(dir, 'real', 'a.txt'), 'a');

    await assert.rejects(
      assertPlainPath(path.join(dir, 'plink', 'x', 'y.txt')),
      /leads into \/proc/,
    );
    await assert.rejects(
      assertPlainPath(path.join(dir, 'fifo')),
      /is not a regular file or folder/,
    );
    await assertPlainPath(path.join(dir, 'real', 'a.txt'));
    await assertPlainPath(path.join(dir, 'real', 'new', 'b.txt'));
  });

  it('copies only between regular files, never into a FIFO or through a link at the end', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tes-copy-'));
    const source = path.join(dir, 'source.txt');
    writeFileSync(source, 'data', { mode: 0o4755 });
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    symlinkSync(path.join(dir, 'elsewhere.txt'), path.join(dir, 'link'));

    await assert.rejects(copyRegularFile(source, path.join(dir, 'fifo')));
    await assert.rejects(copyRegularFile(source, path.join(dir, 'link')));
    assert.throws(() => readFileSync(path.join(dir, 'elsewhere.txt')));

    await copyRegularFile(source, path.join(dir, 'copy.txt'));
    assert.equal(readFileSync(path.join(dir, 'copy.txt'), 'utf8'), 'data');
    assert.equal(statSync(path.join(dir, 'copy.txt')).mode & 0o7777, 0o755);
  });
});
