/**
 * A memory limit for sandboxes that have no cgroup to hold one: every
 * quarter second, the resident memory of a process and all its
 * descendants is summed from /proc, and the whole group is killed once
 * the sum passes the limit. Shared pages count once per process, so the
 * sum errs high.
 *
 * Limitation: this is a watch, not a wall. A program that allocates fast
 * gets a quarter second past the limit before it is killed (hundreds of
 * MB), and memory held in files on a tmpfs is not resident memory of any
 * process (the sandbox caps its /dev/shm instead, see sandbox.ts).
 */
import { readdir, readFile } from 'node:fs/promises';

/** How often the processes are measured. */
export const WATCH_INTERVAL_MS = 250;

/** Each process's parent, read from /proc/PID/stat. */
async function parents(): Promise<Map<number, number>> {
  const map = new Map<number, number>();
  const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n));
  await Promise.all(
    pids.map(async (pid) => {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      // The command name, in parentheses, may hold spaces: read after it.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      if (Number.isInteger(ppid)) map.set(Number(pid), ppid);
    }),
  );
  return map;
}

/** `root` and every process below it. */
function descendants(root: number, parentOf: Map<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentOf) {
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const found: number[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}

/** The resident bytes of `root` and its descendants, summed. */
export async function treeResidentBytes(root: number): Promise<number> {
  const pids = descendants(root, await parents());
  const sizes = await Promise.all(pids.map(residentBytes));
  return sizes.reduce((a, b) => a + b, 0);
}

/**
 * Measures the tree under `root` until stopped; calls `onExceeded` once,
 * with the bytes measured, when they pass `limitBytes`. Returns the stop.
 */
export function watchMemory(
  root: number,
  limitBytes: number,
  onExceeded: (bytes: number) => void,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const measure = async () => {
    const bytes = await treeResidentBytes(root);
    if (stopped) return;
    if (bytes > limitBytes) {
      stopped = true;
      onExceeded(bytes);
      return;
    }
    timer = setTimeout(measure, WATCH_INTERVAL_MS);
  };
  timer = setTimeout(measure, WATCH_INTERVAL_MS);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
