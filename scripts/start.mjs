// `npm start`: set up what is missing, build, and run the local stack.
import { spawn } from 'node:child_process';
import path from 'node:path';
import {
  build,
  checkEmulators,
  ensureDebianPackages,
  ensureNpmPackages,
  root,
  runMain,
} from './bootstrap.mjs';

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
  // npm killed without passing the signal on: stop rather than linger.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) child.kill('SIGTERM');
  }, 1000).unref();
  child.on('exit', (code) => process.exit(code ?? 1));
});
