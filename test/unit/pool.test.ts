import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachLimited } from '../../worker/pool';

describe('bounded parallelism', () => {
  it('runs every item, never more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachLimited([5, 1, 4, 2, 3, 0, 6], 3, async (ms, i) => {
      running += 1;
      most = Math.max(most, running);
      await sleep(ms);
      seen[i] = ms;
      running -= 1;
    });
    assert.equal(most, 3);
    assert.deepEqual(seen, [5, 1, 4, 2, 3, 0, 6]);
  });

  it('after a failure starts nothing more, waits for what runs, then rejects', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    await assert.rejects(
      forEachLimited([1, 2, 3, 4, 5, 6], 2, async (n) => {
        started.push(n);
        if (n === 2) throw new Error('two failed');
        await sleep(20);
        finished.push(n);
      }),
      /two failed/,
    );
    assert.deepEqual(started, [1, 2]);
    assert.deepEqual(
      finished,
      [1],
      'the running item ends before the rejection',
    );
  });

  it('starts nothing more once its signal aborts, finishing what runs', async () => {
    const abort = new AbortController();
    const done: number[] = [];
    await forEachLimited(
      [1, 2, 3, 4, 5, 6],
      2,
      async (n) => {
        if (n === 2) abort.abort();
        await sleep(5);
        done.push(n);
      },
      abort.signal,
    );
    assert.deepEqual(
      done.sort((a, b) => a - b),
      [1, 2],
    );
  });

  it('handles no items', async () => {
    let calls = 0;
    await forEachLimited([], 4, async () => {
      calls += 1;
    });
    assert.equal(calls, 0);
  });
});
