// First-run set-up shared by `npm start` and `npm test`, written in plain
// Node so that it runs before any dependency is installed: installs the
// npm packages when they are missing or stale, installs Debian packages
// when running as root with apt, and builds the TypeScript.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    ...options,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${result.status})`,
    );
  }
}

function onPath(program) {
  return (
    spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' })
      .status === 0
  );
}

/** Runs `npm ci` when node_modules is missing or older than the lock file. */
export function ensureNpmPackages() {
  const installed = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (
    existsSync(installed) &&
    statSync(installed).mtimeMs >= statSync(lock).mtimeMs
  )
    return;
  console.log('Installing npm packages (npm ci)...');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/**
 * Makes sure each Debian package's program is on PATH: installs the
 * missing ones with apt-get when running as root, or says what to install.
 */
export function ensureDebianPackages(packages) {
  const missing = Object.entries(packages).filter(
    ([, program]) => !onPath(program),
  );
  if (missing.length === 0) return;
  const names = missing.map(([name]) => name);
  const canInstall = process.getuid?.() === 0 && onPath('apt-get');
  if (!canInstall) {
    throw new Error(
      `missing programs; install them with: sudo apt-get install -y ${names.join(' ')}`,
    );
  }
  console.log(`Installing Debian packages: ${names.join(' ')}...`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', ...names], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** Checks that the Google Cloud CLI and its two emulators are installed. */
export function checkEmulators() {
  const hint =
    'install the Google Cloud CLI with its emulators, e.g. apt-get install google-cloud-cli ' +
    'google-cloud-cli-firestore-emulator google-cloud-cli-pubsub-emulator default-jre-headless';
  if (!onPath('gcloud')) throw new Error(`gcloud was not found: ${hint}`);
  const sdk = execFileSync(
    'gcloud',
    ['info', '--format=value(installation.sdk_root)'],
    {
      encoding: 'utf8',
    },
  ).trim();
  for (const launcher of [
    'cloud-firestore-emulator/cloud_firestore_emulator',
    'pubsub-emulator/bin/cloud-pubsub-emulator',
  ]) {
    if (!existsSync(path.join(sdk, 'platform', launcher))) {
      throw new Error(`${launcher} is missing from ${sdk}: ${hint}`);
    }
  }
  if (!onPath('java')) throw new Error(`java was not found: ${hint}`);
}

/** Compiles the TypeScript into dist/. */
export function build() {
  console.log('Building (tsc)...');
  run(process.execPath, [
    path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    'tsconfig.json',
  ]);
}

/** Runs `main`, printing a failure as one clear line. */
export function runMain(main) {
  try {
    main();
  } catch (error) {
    console.error(`\n${error.message}`);
    process.exit(1);
  }
}
