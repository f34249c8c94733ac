import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertValid } from '../support/openapi';

describe('the OpenAPI checks the tests rely on', () => {
  const task = {
    id: 'a',
    state: 'QUEUED',
    executors: [{ image: 'i', command: ['c'] }],
  };

  it('accepts a task with only specified fields', () => {
    assertValid('tesTask', task);
    assertValid('minimalTask', { id: 'a', state: 'RUNNING' });
  });

  it('rejects a field the specification does not define', () => {
    assert.throws(() => assertValid('tesTask', { ...task, owner: 'x' }));
    assert.throws(() =>
      assertValid('minimalTask', { id: 'a', state: 'RUNNING', name: 'n' }),
    );
    assert.throws(() =>
      assertValid('tesTask', {
        ...task,
        logs: [{ logs: [], outputs: [], extra: 1 }],
      }),
    );
  });

  it('rejects a null, a lower-case state and a numeric size', () => {
    assert.throws(() => assertValid('tesTask', { ...task, name: null }));
    assert.throws(() => assertValid('tesTask', { ...task, state: 'running' }));
    assert.throws(() =>
      assertValid('tesTask', {
        ...task,
        logs: [
          { logs: [], outputs: [{ url: 'u', path: '/p', size_bytes: 3 }] },
        ],
      }),
    );
  });

  it('closes service-info over both of its schemas', () => {
    const info = {
      id: 'x',
      name: 'n',
      type: { group: 'org.ga4gh', artifact: 'tes', version: '1.1.0' },
      organization: { name: 'o', url: 'https://example.org' },
      version: '1',
      storage: ['file://'],
    };
    assertValid('tesServiceInfo', info);
    assert.throws(() =>
      assertValid('tesServiceInfo', { ...info, mode: 'local' }),
    );
  });
});
