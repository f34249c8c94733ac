import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogTail, TAIL_BYTES } from '../../worker/log-tail';

describe('log tail', () => {
  it('keeps only the last TAIL_BYTES bytes', () => {
    const tail = new LogTail();
    for (let i = 0; i < 100; i += 1)
      tail.append(Buffer.from(`${i}`.padStart(1000, '.')));
    const text = tail.text();
    assert.equal(Buffer.byteLength(text), TAIL_BYTES);
    assert.ok(text.endsWith('99'));
  });

  it('renders invalid bytes and cut characters as valid UTF-8', () => {
    const tail = new LogTail();
    tail.append(Buffer.from([0xff, 0xfe, 0x41]));
    tail.append(Buffer.from('é', 'utf8').subarray(0, 1));
    const text = tail.text();
    assert.equal(text, '\uFFFD\uFFFDA\uFFFD');
    assert.equal(Buffer.from(text, 'utf8').toString('utf8'), text);
  });

  it('keeps at most TAIL_BYTES bytes of UTF-8 when the bytes were invalid', () => {
    const tail = new LogTail();
    tail.append(Buffer.alloc(50_000, 0xff));
    const text = tail.text();
    assert.ok(Buffer.byteLength(text) <= TAIL_BYTES);
    assert.ok(Buffer.byteLength(text) > TAIL_BYTES - 3);
    assert.match(text, /^\uFFFD+$/);
  });

  it('counts changes so that unchanged tails are not published again', () => {
    const tail = new LogTail();
    assert.equal(tail.changes, 0);
    tail.append(Buffer.from('a'));
    tail.append(Buffer.alloc(0));
    assert.equal(tail.changes, 1);
  });
});
