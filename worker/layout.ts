/**
 * Where each of a task's container paths lives on the host. Every path a
 * task names (inputs, outputs, volumes, workdirs, stdio files, /tmp) is
 * placed under one folder of the task attempt, and the smallest set of
 * directories that covers them is mounted into each executor's sandbox.
 */
import path from 'node:path';
import type { TesTask } from '../shared/tes';

/** A host directory mounted at a container path. */
export interface Mount {
  containerPath: string;
  hostPath: string;
}

/** The host side of one task attempt's container paths. */
export interface Layout {
  /** The folder that mirrors the container's paths. */
  root: string;
  mounts: Mount[];
  /** Every directory the task names, on the host, to create beforehand. */
  directories: string[];
}

// Device and kernel paths come from the sandbox itself, never the task.
const SYSTEM_PREFIXES = ['/dev', '/proc', '/sys'];

function isSystemPath(p: string): boolean {
  return SYSTEM_PREFIXES.some((s) => p === s || p.startsWith(`${s}/`));
}

/** The directory of a glob pattern that holds every possible match. */
function globBase(p: string): string {
  const first = p.search(/[*?[]/);
  return first < 0 ? p : path.posix.dirname(p.slice(0, first + 1));
}

function isWithin(child: string, parent: string): boolean {
  return parent === '/' || child === parent || child.startsWith(`${parent}/`);
}

/** The container directories a task needs writable. */
function neededDirectories(task: TesTask): string[] {
  const dirs = new Set<string>(['/tmp']);
  const parentOf = (p: string) => path.posix.dirname(p);

  for (const input of task.inputs ?? []) {
    dirs.add(input.type === 'DIRECTORY' ? input.path : parentOf(input.path));
  }
  for (const output of task.outputs ?? []) {
    const base = globBase(output.path);
    // Every match lies under the pattern's wildcard-free folder (itself
    // under path_prefix, which may be as high as "/").
    if (base !== output.path) dirs.add(base);
    else
      dirs.add(
        output.type === 'DIRECTORY' ? output.path : parentOf(output.path),
      );
  }
  for (const volume of task.volumes ?? []) dirs.add(volume);
  for (const executor of task.executors) {
    if (executor.workdir) dirs.add(executor.workdir);
    for (const file of [executor.stdin, executor.stdout, executor.stderr]) {
      if (file) dirs.add(parentOf(file));
    }
  }
  // "/data/w/" and "/data/w" are one folder: mounts never end in "/".
  return [...dirs]
    .map((d) => path.posix.normalize(d).replace(/(.)\/+$/, '$1'))
    .filter((d) => d !== '/' && !isSystemPath(d));
}

/** Plans the mounts for `task` under the host folder `root`. */
export function planLayout(task: TesTask, root: string): Layout {
  const needed = neededDirectories(task);
  const sorted = [...needed].sort((a, b) => a.length - b.length);
  const covering: string[] = [];
  for (const dir of sorted) {
    if (!covering.some((c) => isWithin(dir, c))) covering.push(dir);
  }
  return {
    root,
    mounts: covering.sort().map((containerPath) => ({
      containerPath,
      hostPath: path.join(root, containerPath),
    })),
    directories: needed.map((d) => path.join(root, d)),
  };
}

/**
 * The host path of a container path, or undefined when no mount covers it
 * (a file the task placed directly under "/", or a system path).
 */
export function hostPath(
  layout: Layout,
  containerPath: string,
): string | undefined {
  const normal = path.posix.normalize(containerPath);
  const mount = layout.mounts.find((m) => isWithin(normal, m.containerPath));
  if (!mount) return undefined;
  return path.join(
    mount.hostPath,
    path.posix.relative(mount.containerPath, normal),
  );
}
