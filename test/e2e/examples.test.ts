/**
 * The examples in examples/, run through the local stack on the real
 * lambda phage data, with every output checked against values the test
 * computes on its own.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { LAMBDA_DIR, REPO_ROOT } from '../support/paths';
import { type Stack, startStack } from '../support/stack';
import { createTask, waitForEnd } from '../support/tes-client';

function example(name: string, out: string): object {
  const text = readFileSync(path.join(REPO_ROOT, 'examples', name), 'utf8')
    .replaceAll('@DATA@', LAMBDA_DIR)
    .replaceAll('@OUT@', out);
  return JSON.parse(text);
}

function lines(file: string): string[] {
  return gunzipSync(readFileSync(path.join(LAMBDA_DIR, file)))
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');
}

/** Reads and bases in a FASTQ file, counted here. */
function fastqCounts(file: string) {
  const sequences = lines(file).filter((_, i) => i % 4 === 1);
  return {
    reads: sequences.length,
    bases: sequences.reduce((n, s) => n + s.length, 0),
  };
}

/** The reference's length and GC fraction, counted here. */
function referenceStats() {
  const sequence = lines('lambda_virus.fa.gz')
    .filter((l) => !l.startsWith('>'))
    .join('');
  const gc = [...sequence].filter((c) => 'GCgc'.includes(c)).length;
  return { length: sequence.length, gc: gc / sequence.length };
}

describe('examples on the lambda phage data', () => {
  let stack: Stack;
  let out: string;

  before(async () => {
    stack = await startStack();
    out = mkdtempSync(path.join(os.tmpdir(), 'tes-examples-'));
  });
  after(async () => {
    await stack?.stop();
  });

  it('lambda-stats counts reads and bases and measures the reference', async () => {
    const id = await createTask(stack.url, example('lambda-stats.json', out));
    const task = await waitForEnd(stack.url, id, 120_000);
    assert.equal(task.state, 'COMPLETE', JSON.stringify(task.logs));

    const table = Object.fromEntries(
      readFileSync(path.join(out, 'lambda-stats.tsv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((row) => row.split('\t')),
    );
    const r1 = fastqCounts('reads_1.fq.gz');
    const r2 = fastqCounts('reads_2.fq.gz');
    const reference = referenceStats();
    assert.equal(Number(table.reads), r1.reads + r2.reads);
    assert.equal(Number(table.bases), r1.bases + r2.bases);
    assert.equal(Number(table.reference_length), reference.length);
    assert.equal(reference.length, 48502);
    assert.equal(table.reference_gc, reference.gc.toFixed(4));
  });

  it('lambda-align aligns the reads and reports flagstat', async () => {
    const id = await createTask(stack.url, example('lambda-align.json', out));
    const task = await waitForEnd(stack.url, id, 300_000);
    assert.equal(task.state, 'COMPLETE', JSON.stringify(task.logs));
    const log = task.logs?.at(-1);
    assert.deepEqual(
      log?.logs.map((e) => e.exit_code),
      [0, 0, 0, 0, 0, 0],
    );

    const bam = path.join(out, 'lambda.sorted.bam');
    const reads = 2 * fastqCounts('reads_1.fq.gz').reads;
    const flagstat = readFileSync(
      path.join(out, 'lambda.flagstat.txt'),
      'utf8',
    );
    const total = /^(\d+) \+ 0 in total/m.exec(flagstat);
    assert.equal(Number(total?.[1]), reads, flagstat);

    // The BAM itself: sorted, indexed, and holding every read.
    const header = execFileSync('samtools', ['view', '-H', bam], {
      encoding: 'utf8',
    });
    assert.match(header, /SO:coordinate/);
    const count = execFileSync('samtools', ['view', '-c', bam], {
      encoding: 'utf8',
    });
    assert.equal(Number(count.trim()), reads);
    const mapped = /^(\d+) \+ 0 mapped/m.exec(flagstat);
    const mappedHere = execFileSync(
      'samtools',
      ['view', '-c', '-F', '4', bam],
      { encoding: 'utf8' },
    );
    assert.equal(Number(mapped?.[1]), Number(mappedHere.trim()));
    assert.ok(
      Number(mappedHere) > 0.9 * reads,
      'most simulated reads map back',
    );

    const sizes = Object.fromEntries(
      log?.outputs.map((o) => [path.basename(o.path), o.size_bytes]) ?? [],
    );
    assert.equal(sizes['lambda.sorted.bam'], String(statSync(bam).size));
    assert.equal(
      sizes['lambda.sorted.bam.bai'],
      String(statSync(`${bam}.bai`).size),
    );
  });
});
