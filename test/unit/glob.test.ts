import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasGlob, segmentPattern } from '../../worker/glob';

describe('glob segments', () => {
  const cases: Array<{
    name: string;
    pattern: string;
    yes: string[];
    no: string[];
  }> = [
    {
      name: 'star',
      pattern: '*.txt',
      yes: ['a.txt', 'a b.txt', '.x.txt'.slice(1)],
      no: ['a.txt.gz', '.hidden.txt', 'dir/a.txt'],
    },
    {
      name: 'question mark',
      pattern: 'r?.fq',
      yes: ['r1.fq', 'r2.fq'],
      no: ['r10.fq', 'r.fq'],
    },
    {
      name: 'class',
      pattern: 'r[12].fq',
      yes: ['r1.fq', 'r2.fq'],
      no: ['r3.fq'],
    },
    {
      name: 'negated class',
      pattern: 'r[!12].fq',
      yes: ['r3.fq'],
      no: ['r1.fq'],
    },
    { name: 'dots are literal', pattern: 'a.b', yes: ['a.b'], no: ['axb'] },
    {
      name: 'explicit hidden',
      pattern: '.*',
      yes: ['.hidden'],
      no: ['visible'],
    },
  ];
  for (const c of cases) {
    it(`matches a single segment: ${c.name}`, () => {
      const re = segmentPattern(c.pattern);
      for (const s of c.yes) assert.ok(re.test(s), `${c.pattern} ~ ${s}`);
      for (const s of c.no) assert.ok(!re.test(s), `${c.pattern} !~ ${s}`);
    });
  }

  it('tells patterns from plain paths', () => {
    assert.ok(hasGlob('/out/*.txt'));
    assert.ok(!hasGlob('/out/a.txt'));
  });
});
