// `npm run bench`: set up what is missing, build, and print the API's
// latency figures (bench/api-latency.ts).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  build,
  checkEmulators,
  ensureNpmPackages,
  root,
  runMain,
} from './bootstrap.mjs';

runMain(() => {
  ensureNpmPackages();
  checkEmulators();
  build();
  const result = spawnSync(
    process.execPath,
    [path.join(root, 'dist', 'bench', 'api-latency.js')],
    {
      stdio: 'inherit',
      env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
    },
  );
  process.exit(result.status ?? 1);
});
