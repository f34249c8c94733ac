import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allTransitions,
  canTransition,
  isTerminal,
  TERMINAL_STATES,
} from '../../shared/state-machine';
import { TASK_STATES } from '../../shared/tes';

describe('task state machine', () => {
  it('lets nothing leave a terminal state', () => {
    for (const from of TERMINAL_STATES) {
      for (const to of TASK_STATES) {
        assert.equal(canTransition(from, to), false, `${from} -> ${to}`);
      }
    }
  });

  it('moves forward only, except a retry back to QUEUED', () => {
    const cases: Array<{
      name: string;
      from: string;
      to: string;
      ok: boolean;
    }> = [
      { name: 'assignment', from: 'QUEUED', to: 'INITIALIZING', ok: true },
      { name: 'start', from: 'INITIALIZING', to: 'RUNNING', ok: true },
      { name: 'finish', from: 'RUNNING', to: 'COMPLETE', ok: true },
      {
        name: 'late start after finish',
        from: 'COMPLETE',
        to: 'RUNNING',
        ok: false,
      },
      {
        name: 'late initializing',
        from: 'RUNNING',
        to: 'INITIALIZING',
        ok: false,
      },
      {
        name: 'reordered finish',
        from: 'INITIALIZING',
        to: 'EXECUTOR_ERROR',
        ok: true,
      },
      { name: 'retry', from: 'RUNNING', to: 'QUEUED', ok: true },
      { name: 'cancel queued', from: 'QUEUED', to: 'CANCELING', ok: true },
      { name: 'cancel ends', from: 'CANCELING', to: 'CANCELED', ok: true },
      {
        name: 'completion while canceling',
        from: 'CANCELING',
        to: 'COMPLETE',
        ok: false,
      },
      {
        name: 'queued cannot run directly',
        from: 'QUEUED',
        to: 'RUNNING',
        ok: false,
      },
    ];
    for (const c of cases) {
      assert.equal(canTransition(c.from as never, c.to as never), c.ok, c.name);
    }
  });

  it('knows exactly four terminal states', () => {
    const terminal = TASK_STATES.filter(isTerminal);
    assert.deepEqual(terminal, [
      'COMPLETE',
      'EXECUTOR_ERROR',
      'SYSTEM_ERROR',
      'CANCELED',
    ]);
  });

  it('lists every transition it allows', () => {
    const listed = allTransitions();
    assert.ok(listed.length > 10);
    for (const [from, to] of listed) assert.ok(canTransition(from, to));
  });
});
