/**
 * Benchmark of the worker through a whole local stack: how long a trivial
 * task takes from create to COMPLETE; what a flood of output costs (time,
 * reports published, the worker's peak memory) beside a trickle over as
 * long; what keeping the whole logs adds; and gs:// transfer rates on the
 * storage emulator beside file:// ones. Prints figures; asserts nothing.
 *
 * Usage: npm run bench -- worker
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Firestore } from '@google-cloud/firestore';
import { startBackends } from '../local/backends';
import { createLogger } from '../shared/logger';
import type { TaskRecord } from '../shared/task-record';
import type { TesTask, TesTaskRequest } from '../shared/tes';
import { TASKS_COLLECTION } from '../shared/topology';
import { type Stack, startStack } from '../test/support/stack';
import { createTask, sh, waitForEnd } from '../test/support/tes-client';

const MB = 1_000_000;

/** Peak resident bytes of the worker process of `taskId`, sampled. */
function watchWorkerMemory(taskId: string): () => number {
  let peak = 0;
  let pid: string | undefined;
  const sample = async () => {
    if (!pid) {
      for (const p of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
        const cmd = await readFile(`/proc/${p}/cmdline`, 'utf8').catch(
          () => '',
        );
        if (cmd.includes('worker/main.js') && cmd.includes(taskId)) pid = p;
      }
    }
    if (!pid) return;
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(
      () => '',
    );
    const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    peak = Math.max(peak, kb * 1024);
  };
  const timer = setInterval(() => void sample(), 50);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

interface Run {
  task: TesTask;
  seconds: number;
  reports: number;
  peakBytes: number;
}

async function run(
  stack: Stack,
  db: Firestore,
  request: TesTaskRequest | object,
): Promise<Run> {
  const start = Date.now();
  const id = await createTask(stack.url, request);
  const stopWatch = watchWorkerMemory(id);
  const task = await waitForEnd(stack.url, id, 600_000);
  const seconds = (Date.now() - start) / 1000;
  const peakBytes = stopWatch();
  if (task.state !== 'COMPLETE') {
    throw new Error(`task ${id} ended ${task.state}: ${JSON.stringify(task)}`);
  }
  const record = (
    await db.collection(TASKS_COLLECTION).doc(id).get()
  ).data() as TaskRecord;
  return { task, seconds, reports: record.attempts[0]?.seq ?? 0, peakBytes };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const secs = (s: number) => `${s.toFixed(1)} s`;

async function main(): Promise<void> {
  process.env.METADATA_SERVER_DETECTION = 'none';
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tes-bench-worker-'));
  const backends = await startBackends({
    dataDir,
    persist: false,
    anyPorts: true,
    logger: createLogger('bench', 'local'),
  });
  process.env.FIRESTORE_EMULATOR_HOST = backends.firestoreHost;
  process.env.PUBSUB_EMULATOR_HOST = backends.pubsubHost;
  process.env.STORAGE_EMULATOR_HOST = backends.storageHost;
  process.env.TES_TRIGGER_GATEWAY = backends.gatewayUrl;
  const stack = await startStack();
  const db = new Firestore({ projectId: stack.projectId });
  const rows: string[][] = [];
  const row = (...cells: string[]) => {
    rows.push(cells);
    console.log(cells.join(' | '));
  };

  try {
    const trivial: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      trivial.push((await run(stack, db, { executors: [sh('true')] })).seconds);
    }
    trivial.sort((a, b) => a - b);
    row(
      'trivial task, create to COMPLETE (median of 10)',
      secs(trivial[5] ?? 0),
      '',
      '',
    );

    const flood = await run(stack, db, {
      executors: [sh(`yes 0123456789abcdef | head -c ${500 * MB}`)],
    });
    row(
      '500 MB of stdout',
      secs(flood.seconds),
      String(flood.reports),
      mib(flood.peakBytes),
    );
    const lines = Math.max(1, Math.round(flood.seconds * 10));
    const trickle = await run(stack, db, {
      executors: [
        sh(
          `i=0; while [ $i -lt ${lines} ]; do echo line; sleep 0.1; i=$((i+1)); done`,
        ),
      ],
    });
    row(
      `${lines * 5} bytes of stdout over as long`,
      secs(trickle.seconds),
      String(trickle.reports),
      mib(trickle.peakBytes),
    );

    const logsDir = mkdtempSync(path.join(os.tmpdir(), 'tes-bench-logs-'));
    const kept = await run(stack, db, {
      resources: {
        backend_parameters: { logs_url: pathToFileURL(logsDir).href },
      },
      executors: [sh(`yes 0123456789abcdef | head -c ${500 * MB}`)],
    });
    row(
      '500 MB of stdout, whole logs kept (file://)',
      secs(kept.seconds),
      String(kept.reports),
      mib(kept.peakBytes),
    );
    rmSync(logsDir, { recursive: true, force: true });

    const outDir = mkdtempSync(path.join(os.tmpdir(), 'tes-bench-out-'));
    const bucket = `gs://bench-${Date.now()}`;
    const make = sh(
      `mkdir -p /out && head -c ${200 * MB} /dev/urandom > /out/big.bin`,
    );
    const places = {
      'file://': pathToFileURL(`${outDir}/big.bin`).href,
      'gs://': `${bucket}/big.bin`,
    };
    for (const [scheme, url] of Object.entries(places)) {
      const stored = await run(stack, db, {
        outputs: [{ path: '/out/big.bin', url }],
        executors: [make],
      });
      row(
        `200 MB output to ${scheme}`,
        secs(stored.seconds),
        '',
        mib(stored.peakBytes),
      );
    }
    const read = sh('wc -c < /in/big.bin');
    for (const [scheme, url] of Object.entries(places)) {
      const fetched = await run(stack, db, {
        inputs: [{ path: '/in/big.bin', url }],
        executors: [read],
      });
      row(
        `200 MB input from ${scheme}`,
        secs(fetched.seconds),
        '',
        mib(fetched.peakBytes),
      );
    }
    rmSync(outDir, { recursive: true, force: true });

    console.log(
      '\nWorker figures, local stack, whole task from create to its end',
    );
    console.log('| case | time | reports | worker peak memory |');
    console.log('| --- | --- | --- | --- |');
    for (const cells of rows) console.log(`| ${cells.join(' | ')} |`);
  } finally {
    await db.terminate();
    await stack.stop();
    await backends.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
