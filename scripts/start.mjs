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
  // Ctrl-C reaches the stack through the terminal; forward other stops.
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  process.on('SIGINT', () => undefined);
  child.on('exit', (code) => process.exit(code ?? 1));
});
