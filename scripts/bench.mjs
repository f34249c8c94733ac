// `npm run bench`: set up what is missing, build, and print the figures
// of every benchmark in bench/: the API's latency (api-latency.ts) and the
// worker's costs (worker.ts). `npm run bench -- worker` runs only those
// whose file name contains `worker`.
import { spawnSync } from 'node:child_process';
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
  const filters = process.argv.slice(2);
  const chosen = ['api-latency', 'worker'].filter(
    (name) => filters.length === 0 || filters.some((f) => name.includes(f)),
  );
  for (const name of chosen) {
    const result = spawnSync(
      process.execPath,
      [path.join(root, 'dist', 'bench', `${name}.js`)],
      {
        stdio: 'inherit',
        env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
      },
    );
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
});
