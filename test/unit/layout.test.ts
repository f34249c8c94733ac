import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TesTask } from '../../shared/tes';
import { hostPath, planLayout } from '../../worker/layout';
import { sandboxArgs } from '../../worker/sandbox';

const task: TesTask = {
  id: 't',
  state: 'RUNNING',
  creation_time: '',
  inputs: [
    { path: '/data/ref/genome.fa', url: 'file:///x' },
    { path: '/data/reads', url: 'file:///y', type: 'DIRECTORY' },
  ],
  outputs: [
    { path: '/data/out/result.txt', url: 'file:///z' },
    { path: '/results/*.txt', path_prefix: '/results', url: 'file:///w' },
  ],
  volumes: ['/scratch'],
  executors: [
    {
      image: 'i',
      command: ['ls'],
      workdir: '/data',
      stdin: '/dev/null',
      stdout: '/logs/out.txt',
    },
  ],
};

describe('task layout on the host', () => {
  it("mounts a wildcard output's folder whatever its path_prefix looks like", () => {
    for (const path_prefix of ['/data/w', '/data/w/', '/data/', '/']) {
      const layout = planLayout(
        {
          ...task,
          inputs: [],
          volumes: [],
          executors: [{ image: 'i', command: ['ls'] }],
          outputs: [{ path: '/data/w/*.txt', path_prefix, url: 'gs://b/x' }],
        },
        '/host/fs',
      );
      assert.deepEqual(
        layout.mounts.map((m) => m.containerPath),
        ['/data/w', '/tmp'],
        path_prefix,
      );
      assert.equal(
        hostPath(layout, '/data/w/one two.txt'),
        '/host/fs/data/w/one two.txt',
      );
    }
  });

  it('mounts the fewest directories that cover every path', () => {
    const layout = planLayout(task, '/host/fs');
    assert.deepEqual(
      layout.mounts.map((m) => m.containerPath),
      ['/data', '/logs', '/results', '/scratch', '/tmp'],
    );
    assert.ok(layout.directories.includes('/host/fs/data/out'));
  });

  it('maps container paths into the covering mount, and system paths to nothing', () => {
    const layout = planLayout(task, '/host/fs');
    assert.equal(
      hostPath(layout, '/data/ref/genome.fa'),
      '/host/fs/data/ref/genome.fa',
    );
    assert.equal(hostPath(layout, '/logs/out.txt'), '/host/fs/logs/out.txt');
    assert.equal(hostPath(layout, '/dev/null'), undefined);
    assert.equal(hostPath(layout, '/etc/passwd'), undefined);
  });

  it('runs the command as given, with no shell, no network and a clean env', () => {
    const layout = planLayout(task, '/host/fs');
    const executor = {
      image: 'i',
      command: ['echo', '$HOME; rm -rf /'],
      env: { A: 'b' },
    };
    const args = sandboxArgs(executor, layout, {
      network: false,
      readOnlyFiles: [],
    });
    assert.deepEqual(args.slice(-3), ['--', 'echo', '$HOME; rm -rf /']);
    assert.ok(args.includes('--unshare-all'));
    assert.ok(!args.includes('--share-net'));
    assert.ok(args.includes('--clearenv'));
    const envAt = args.indexOf('A');
    assert.equal(args[envAt - 1], '--setenv');
    assert.equal(args[envAt + 1], 'b');
    const bind = args.indexOf('/host/fs/data');
    assert.deepEqual(args.slice(bind - 1, bind + 2), [
      '--bind',
      '/host/fs/data',
      '/data',
    ]);
  });

  it('shares the network only when the task asks for it', () => {
    const layout = planLayout(task, '/host/fs');
    const args = sandboxArgs({ image: 'i', command: ['true'] }, layout, {
      network: true,
      readOnlyFiles: [],
    });
    assert.ok(args.includes('--share-net'));
  });
});
