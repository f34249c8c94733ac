/**
 * A stand-in for the `docker` client, put on PATH by the Docker driver's
 * tests: it records every argv it is given (one JSON line each, in
 * FAKE_DOCKER_LOG) and runs `docker run` in a bubblewrap sandbox with the
 * mounts, working folder, environment and network the argv asks for, so
 * that the driver's command lines are checked end to end, exit codes and
 * all. An image named "missing/..." cannot be pulled. A `docker kill`
 * takes a second, as a busy daemon can, and is recorded only once done:
 * a worker that does not wait for it, or lets it be killed, is caught.
 * While a file named `kill-fails` lies beside the log, a kill fails, as a
 * daemon too busy to answer does, and removes the file.
 */
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  lstatSync,
  readlinkSync,
  rmSync,
} from 'node:fs';
import path from 'node:path';

const argv = process.argv.slice(2);
const record = () =>
  appendFileSync(
    process.env.FAKE_DOCKER_LOG as string,
    `${JSON.stringify(argv)}\n`,
  );

function system(): string[] {
  const args: string[] = [];
  for (const dir of ['/usr', '/etc']) args.push('--ro-bind', dir, dir);
  for (const link of ['/bin', '/sbin', '/lib', '/lib64']) {
    if (existsSync(link) && lstatSync(link).isSymbolicLink()) {
      args.push('--symlink', readlinkSync(link), link);
    }
  }
  return [...args, '--proc', '/proc', '--dev', '/dev'];
}

function run(args: string[]): number {
  const bwrap = [
    '--die-with-parent',
    '--unshare-all',
    '--cap-drop',
    'ALL',
    ...system(),
  ];
  let workdir = '/';
  const env: string[] = [];
  let i = 0;
  for (; i < args.length; i += 1) {
    const flag = args[i] as string;
    const value = args[i + 1] as string;
    if (!flag.startsWith('--')) break;
    if (flag === '--rm' || flag === '--interactive') continue;
    i += 1;
    if (flag === '--network' && value === 'host') bwrap.push('--share-net');
    if (flag === '--workdir') workdir = value;
    if (flag === '--env') {
      const at = value.indexOf('=');
      env.push('--setenv', value.slice(0, at), value.slice(at + 1));
    }
    if (flag === '--volume') {
      const [host, container, mode] = value.split(':');
      bwrap.push(
        mode === 'ro' ? '--ro-bind' : '--bind',
        host as string,
        container as string,
      );
    }
  }
  const command = args.slice(i + 1);
  bwrap.push(
    '--chdir',
    workdir,
    '--clearenv',
    '--setenv',
    'PATH',
    '/usr/bin:/bin',
    ...env,
    '--',
    ...command,
  );
  const result = spawnSync('bwrap', bwrap, { stdio: 'inherit' });
  return result.status ?? 128 + 9;
}

const KILL_MS = 1000;

const [verb, ...rest] = argv;
if (verb === 'kill') {
  setTimeout(() => {
    record();
    const failing = path.join(
      path.dirname(process.env.FAKE_DOCKER_LOG as string),
      'kill-fails',
    );
    if (!existsSync(failing)) process.exit(0);
    rmSync(failing);
    process.stderr.write('Error response from daemon: timed out\n');
    process.exit(1);
  }, KILL_MS);
} else {
  record();
  if (verb === 'pull') process.exit(rest[0]?.startsWith('missing/') ? 1 : 0);
  if (verb === 'run') process.exit(run(rest));
  process.exit(2);
}
