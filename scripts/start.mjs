// `npm start`: set up what is missing, build, and run the local stack.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  build,
  checkEmulators,
  ensureDebianPackages,
  ensureNpmPackages,
  root,
  runMain,
} from './bootstrap.mjs';

/** The parent of process `pid`, from /proc (0 when unknown). */
function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

runMain(() => {
  ensureNpmPackages();
  ensureDebianPackages({ bubblewrap: 'bwrap' });
  checkEmulators();
  build();

  const child = spawn(
    process.execPath,
    [path.join(root, 'dist', 'local', 'start.js')],
    {
      stdio: 'inherit',
      env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
    },
  );
  // Every stop is passed on, and this process stays until the stack has
  // stopped: a Ctrl-C reaches both, which the stack takes as one stop.
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  process.on('SIGINT', () => child.kill('SIGINT'));
  // npm killed without passing the signal on (even outright, which leaves
  // npm's shell behind): stop rather than linger.
  const watched = [process.ppid, parentOf(process.ppid)].filter((p) => p > 1);
  setInterval(() => {
    if (!watched.every(isAlive)) child.kill('SIGTERM');
  }, 1000).unref();
  child.on('exit', (code) => process.exit(code ?? 1));
});
