/**
 * Benchmark of the API on the Firestore emulator: latency of create, get
 * and the first page of list with 100 and with 100,000 tasks stored, beside
 * a bare Firestore query for the same page, so that the ratio shows what
 * the API adds. Prints figures; asserts nothing.
 *
 * Usage: npm run bench
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { newTaskRecord } from '../functions/api/task-store';
import { startBackends } from '../local/backends';
import { createLogger } from '../shared/logger';
import { TASKS_COLLECTION } from '../shared/topology';
import { type ApiServer, startApiServer } from '../test/support/api-server';

const SIZES = [100, 100_000];
const RUNS = 40;
const TASK = {
  name: 'bench',
  tags: { project: 'bench' },
  executors: [{ image: 'alpine', command: ['echo', 'hello'] }],
};

type Stats = { median: number; p95: number };

async function time(runs: number, op: () => Promise<unknown>): Promise<Stats> {
  await op();
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    await op();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { median: at(0.5), p95: at(0.95) };
}

async function seed(api: ApiServer, count: number): Promise<string> {
  const writer = api.db.bulkWriter();
  let last = '';
  for (let i = 0; i < count; i += 1) {
    const record = newTaskRecord('local', { ...TASK, name: `bench-${i}` }, []);
    last = record.id;
    void writer.create(
      api.db.collection(TASKS_COLLECTION).doc(record.id),
      record,
    );
  }
  await writer.close();
  return last;
}

async function expectOk(url: string, init?: RequestInit): Promise<void> {
  const response = await fetch(url, init);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
}

async function measure(count: number): Promise<Record<string, Stats>> {
  const api = await startApiServer(`demo-bench-${count}`);
  try {
    const started = performance.now();
    const id = await seed(api, count);
    console.error(
      `seeded ${count} tasks in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const page = () =>
      api.db
        .collection(TASKS_COLLECTION)
        .where('owner', '==', 'local')
        .orderBy('creation_time', 'desc')
        .orderBy('id', 'desc')
        .limit(257);
    const body = JSON.stringify(TASK);
    const post = {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    };
    return {
      'create (POST /tasks)': await time(RUNS, () =>
        expectOk(`${api.url}/tasks`, post),
      ),
      'get, MINIMAL': await time(RUNS, () =>
        expectOk(`${api.url}/tasks/${id}`),
      ),
      'get, FULL': await time(RUNS, () =>
        expectOk(`${api.url}/tasks/${id}?view=FULL`),
      ),
      'list first page (256), MINIMAL': await time(RUNS, () =>
        expectOk(`${api.url}/tasks`),
      ),
      'list first page (256), BASIC': await time(RUNS, () =>
        expectOk(`${api.url}/tasks?view=BASIC`),
      ),
      'list, tag filter, MINIMAL': await time(RUNS, () =>
        expectOk(`${api.url}/tasks?tag_key=project&tag_value=bench`),
      ),
      'bare query, same page, id and state': await time(RUNS, () =>
        page().select('id', 'state', 'creation_time', 'name', 'tags').get(),
      ),
      'bare query, same page, whole documents': await time(RUNS, () =>
        page().get(),
      ),
    };
  } finally {
    await api.close();
  }
}

function cell(s: Stats | undefined): string {
  return s ? `${s.median.toFixed(1)} / ${s.p95.toFixed(1)}` : '';
}

async function main(): Promise<void> {
  process.env.METADATA_SERVER_DETECTION = 'none';
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tes-bench-'));
  const logger = createLogger('bench', 'local');
  const backends = await startBackends({
    dataDir,
    persist: false,
    anyPorts: true,
    logger,
  });
  process.env.FIRESTORE_EMULATOR_HOST = backends.firestoreHost;
  try {
    const results = new Map<number, Record<string, Stats>>();
    for (const size of SIZES) results.set(size, await measure(size));

    const header = SIZES.map((n) => `${n.toLocaleString('en')} tasks`);
    console.log(
      `\nLatency in ms, median / p95 of ${RUNS} runs, on the Firestore emulator`,
    );
    console.log(`| operation | ${header.join(' | ')} |`);
    console.log(`| --- | ${SIZES.map(() => '---').join(' | ')} |`);
    for (const op of Object.keys(results.get(SIZES[0] as number) ?? {})) {
      console.log(
        `| ${op} | ${SIZES.map((n) => cell(results.get(n)?.[op])).join(' | ')} |`,
      );
    }
  } finally {
    await backends.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
