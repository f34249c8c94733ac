// `npm test`: set up what is missing, check formatting, lint and types,
// then run every test against emulators that the test runner starts.
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

function step(title, command, args) {
  console.log(`\n== ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${title} failed`);
}

runMain(() => {
  ensureNpmPackages();
  ensureDebianPackages({
    bubblewrap: 'bwrap',
    bowtie2: 'bowtie2',
    samtools: 'samtools',
    // The sandbox's own python, for the memory-limit tests.
    'python3-minimal': '/usr/bin/python3',
  });
  checkEmulators();

  step(
    'format and lint (biome)',
    path.join(root, 'node_modules', '.bin', 'biome'),
    ['check', '.'],
  );
  console.log('\n== type check and build (tsc)');
  build();
  if (
    spawnSync('sh', ['-c', 'command -v terraform'], { stdio: 'ignore' })
      .status === 0
  ) {
    step('terraform fmt', 'terraform', [
      'fmt',
      '-check',
      '-recursive',
      'terraform',
    ]);
  }

  const result = spawnSync(
    process.execPath,
    [path.join(root, 'dist', 'test', 'run.js'), ...process.argv.slice(2)],
    {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...process.env,
        METADATA_SERVER_DETECTION: 'none',
        CHECKPOINT_DISABLE: '1',
      },
    },
  );
  process.exit(result.status ?? 1);
});
