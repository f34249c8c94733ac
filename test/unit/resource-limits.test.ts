/**
 * How the local sandbox holds a task's resources without cgroups: the
 * CPUs it pins an executor to, and the memory watch over a process tree.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { treeResidentBytes, watchMemory } from '../../worker/memory-watch';
import { allowedCpus, cpuSet } from '../../worker/sandbox';

describe('CPUs for cpu_cores', () => {
  it('reads the CPUs this process may use', () => {
    const cpus = allowedCpus();
    assert.ok(cpus.length >= 1);
    assert.deepEqual(
      cpus,
      [...new Set(cpus)].sort((a, b) => a - b),
    );
  });

  it('takes as many CPUs as asked, rounded up, spread by name', () => {
    const allowed = [0, 1, 2, 3, 4, 5, 6, 7];
    assert.equal(cpuSet(1, allowed, 'a')?.length, 1);
    assert.equal(cpuSet(2.5, allowed, 'a')?.length, 3);
    assert.deepEqual(cpuSet(3, allowed, 'same'), cpuSet(3, allowed, 'same'));
    const starts = new Set(
      Array.from({ length: 40 }, (_, i) => cpuSet(1, allowed, `t${i}`)?.[0]),
    );
    assert.ok(starts.size > 3, `spread over ${starts.size} CPUs`);
    for (const set of [cpuSet(3, [2, 5, 9], 'x'), cpuSet(2, [2, 5, 9], 'y')]) {
      for (const cpu of set ?? []) assert.ok([2, 5, 9].includes(cpu));
    }
  });

  it('leaves every CPU when asked for none, or for all of them', () => {
    assert.equal(cpuSet(undefined, [0, 1], 'a'), undefined);
    assert.equal(cpuSet(2, [0, 1], 'a'), undefined);
    assert.equal(cpuSet(4, [0, 1], 'a'), undefined);
  });
});

describe('the memory watch', () => {
  const allocating = (mib: number) =>
    spawn(
      'sh',
      [
        '-c',
        // A child that holds `mib` MiB, under a parent shell that holds little.
        `python3 -c "import time; b = bytearray(${mib} * 2**20); time.sleep(30)" & wait`,
      ],
      { detached: true, stdio: 'ignore' },
    );

  it('sums the resident memory of a process and its descendants', async () => {
    const child = allocating(150);
    try {
      let bytes = 0;
      for (let i = 0; i < 40 && bytes < 150 * 2 ** 20; i += 1) {
        await sleep(100);
        bytes = await treeResidentBytes(child.pid as number);
      }
      assert.ok(bytes >= 150 * 2 ** 20, `measured ${bytes} bytes`);
      assert.ok(bytes < 250 * 2 ** 20, `measured ${bytes} bytes`);
    } finally {
      process.kill(-(child.pid as number), 'SIGKILL');
    }
  });

  it('calls once when the tree passes the limit, never under it', async () => {
    const big = allocating(120);
    const small = allocating(5);
    const calls: Array<[string, number]> = [];
    const stops = [
      watchMemory(big.pid as number, 64 * 2 ** 20, (b) => {
        calls.push(['big', b]);
        process.kill(-(big.pid as number), 'SIGKILL');
      }),
      watchMemory(small.pid as number, 64 * 2 ** 20, (b) => {
        calls.push(['small', b]);
      }),
    ];
    const [, signal] = await once(big, 'exit');
    await sleep(600);
    for (const stop of stops) stop();
    process.kill(-(small.pid as number), 'SIGKILL');
    assert.equal(signal, 'SIGKILL');
    assert.deepEqual(
      calls.map(([name]) => name),
      ['big'],
    );
    assert.ok((calls[0]?.[1] ?? 0) > 64 * 2 ** 20);
  });
});
