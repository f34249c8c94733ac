/**
 * The local container driver: runs an executor's command under
 * bubblewrap, with the host's programs read-only, the task's folders
 * mounted at their container paths, a private /tmp, everything else
 * read-only, and no network unless the task asks for it. The image is
 * not used: local mode runs the host's binaries.
 *
 * Without cgroups, resources are held as well as a plain process can:
 * `cpu_cores` pins the executor to that many CPUs (taskset), `ram_gb` is
 * watched by the worker (memory-watch.ts), and /dev/shm is a small tmpfs.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import type { TesExecutor, TesResources } from '../shared/tes';
import type { Command, ContainerDriver } from './container-driver';
import type { Layout } from './layout';

/** The sandbox program. */
export const BWRAP = 'bwrap';

/** PATH inside the sandbox, as container images usually set it. */
const DEFAULT_PATH =
  '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const READ_ONLY_DIRS = ['/usr', '/etc', '/opt'];

/** The size of the sandbox's /dev/shm, as Docker's default. */
export const SHM_BYTES = 64 * 2 ** 20;

/** Input files mounted read-only one by one, at most. */
export const MAX_READ_ONLY_FILES = 256;
const ROOT_LINKS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** Options that change how every executor of a task is sandboxed. */
export interface SandboxOptions {
  network: boolean;
  /** Read-only input files, mounted over their writable directories. */
  readOnlyFiles: Array<{ hostPath: string; containerPath: string }>;
}

function hostSystem(): string[] {
  const args: string[] = [];
  for (const dir of READ_ONLY_DIRS) {
    if (existsSync(dir)) args.push('--ro-bind', dir, dir);
  }
  for (const link of ROOT_LINKS) {
    if (!existsSync(link)) continue;
    // Merged-/usr systems link /bin and friends into /usr; keep the links.
    if (lstatSync(link).isSymbolicLink()) {
      args.push('--symlink', readlinkSync(link), link);
    } else {
      args.push('--ro-bind', link, link);
    }
  }
  return args;
}

/** The bubblewrap argv that runs `executor` (no shell in between). */
export function sandboxArgs(
  executor: TesExecutor,
  layout: Layout,
  options: SandboxOptions,
): string[] {
  // Executors run as root in their namespace, but without capabilities:
  // no remounting the read-only system folders, no raw devices.
  const args = [
    '--die-with-parent',
    '--new-session',
    '--unshare-all',
    '--cap-drop',
    'ALL',
  ];
  if (options.network) args.push('--share-net');
  // Root in the sandbox is root on the host: the kernel's settings stay
  // read-only.
  args.push(
    ...hostSystem(),
    '--proc',
    '/proc',
    '--ro-bind',
    '/proc/sys',
    '/proc/sys',
  );
  // /dev/shm is memory no process's resident size shows: capped as
  // Docker caps it by default.
  args.push(
    '--dev',
    '/dev',
    '--size',
    String(SHM_BYTES),
    '--tmpfs',
    '/dev/shm',
  );

  for (const mount of layout.mounts) {
    args.push('--bind', mount.hostPath, mount.containerPath);
  }
  // Each read-only input is one more mount: past a few hundred, inputs
  // stay writable rather than exhaust bubblewrap's argument limit.
  if (options.readOnlyFiles.length <= MAX_READ_ONLY_FILES) {
    for (const file of options.readOnlyFiles) {
      args.push('--ro-bind', file.hostPath, file.containerPath);
    }
  }

  // Everything outside the task's folders is read-only: bubblewrap's own
  // root and /dev are memory, and writing there would escape ram_gb.
  args.push('--remount-ro', '/dev', '--remount-ro', '/');

  args.push('--chdir', executor.workdir ?? '/', '--clearenv');
  const env = { PATH: DEFAULT_PATH, HOME: '/tmp', ...executor.env };
  for (const [key, value] of Object.entries(env)) {
    args.push('--setenv', key, value);
  }
  return [...args, '--', ...executor.command];
}

// bubblewrap itself answers 1 when it cannot start the command; a
// container runtime answers 127 (not found) or 126 (not executable).
const EXEC_FAILURE = /^bwrap: execvp [^\n]*: ([^\n]*)\n?$/;

/** The executor's exit code for bubblewrap's exit code and stderr tail. */
export function sandboxExitCode(code: number, stderrTail: string): number {
  const failure = code === 1 ? EXEC_FAILURE.exec(stderrTail) : null;
  if (!failure) return code;
  return failure[1] === 'No such file or directory' ? 127 : 126;
}

/** The CPUs this process may run on, from /proc/self/status. */
export function allowedCpus(): number[] {
  const status = readFileSync('/proc/self/status', 'utf8');
  const list = /^Cpus_allowed_list:\s*(\S+)$/m.exec(status)?.[1] ?? '';
  const cpus: number[] = [];
  for (const range of list.split(',').filter(Boolean)) {
    const [from, to = from] = range.split('-').map(Number);
    for (let cpu = from as number; cpu <= (to as number); cpu += 1) {
      cpus.push(cpu);
    }
  }
  return cpus;
}

/**
 * The CPUs an executor asking for `cores` runs on: that many of
 * `allowed`, consecutive, starting where `name` hashes to, so that
 * concurrent tasks spread out. Undefined when it may use them all.
 */
export function cpuSet(
  cores: number | undefined,
  allowed: number[],
  name: string,
): number[] | undefined {
  const wanted = Math.ceil(cores ?? 0);
  if (wanted <= 0 || wanted >= allowed.length) return undefined;
  const start = createHash('sha256').update(name).digest().readUInt32BE(0);
  return Array.from(
    { length: wanted },
    (_, i) => allowed[(start + i) % allowed.length] as number,
  ).sort((a, b) => a - b);
}

/** Wraps the sandbox in what holds the task's resources. */
function limited(
  args: string[],
  resources: TesResources | undefined,
  name: string,
): Command {
  const cpus = cpuSet(resources?.cpu_cores, allowedCpus(), name);
  const ram = resources?.ram_gb;
  return {
    file: cpus ? 'taskset' : BWRAP,
    args: cpus ? ['--cpu-list', cpus.join(','), BWRAP, ...args] : args,
    memoryLimitBytes: ram ? Math.ceil(ram * 2 ** 30) : undefined,
  };
}

/** The local container driver: bubblewrap with the host's programs. */
export const bubblewrapDriver: ContainerDriver = {
  prepare: async () => {},
  command: (executor, layout, options) =>
    limited(
      sandboxArgs(executor, layout, options),
      options.resources,
      options.name,
    ),
  exitCode: sandboxExitCode,
  // The sandbox dies with its process group.
  stop: async () => {},
  imageNote: (image) =>
    `image ${image} recorded but not used: local mode runs the host's programs in a sandbox`,
};
