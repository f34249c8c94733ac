/**
 * The worker program: runs one attempt of one task. On Google Cloud it is
 * started by its VM's startup script; locally, as a process, by the local
 * compute driver. Usage: main.js --task ID --attempt N
 *
 * It reads its task from Firestore, reports everything through
 * tes-worker-events, and stops as soon as the task is cancelled.
 */

import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createFirestore, createPublisher } from '../shared/cloud';
import { loadConfig } from '../shared/config';
import { createLogger } from '../shared/logger';
import { whenParentGone } from '../shared/parent-watch';
import { isTerminal } from '../shared/state-machine';
import type { TaskRecord } from '../shared/task-record';
import { TASKS_COLLECTION } from '../shared/topology';
import { dockerDriver } from './docker-driver';
import { Reporter } from './reporter';
import { runTask } from './run-task';
import { bubblewrapDriver } from './sandbox';

/** How long a stopped attempt's last report may take to publish. */
const FINAL_REPORT_MS = 2000;

/** A stopped attempt's last system log line (a cancel also sends SIGTERM). */
const STOPPED_NOTE =
  'attempt stopped before its end: the task was cancelled, or its worker stopped';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { task: { type: 'string' }, attempt: { type: 'string' } },
  });
  const taskId = values.task;
  const attempt = Number(values.attempt);
  if (!taskId || !Number.isInteger(attempt) || attempt < 1) {
    console.error('usage: main.js --task ID --attempt N');
    return 2;
  }

  const config = loadConfig();
  const logger = createLogger(
    'tes-worker',
    config.mode,
    config.projectId,
  ).child({
    taskId,
    attempt,
  });
  const db = createFirestore(config);
  const publisher = createPublisher(config);
  const reporter = new Reporter(publisher, taskId, attempt, (error) =>
    logger.warn('publishing a report failed', { error: String(error) }),
  );
  const ref = db.collection(TASKS_COLLECTION).doc(taskId);

  const task = (await ref.get()).data() as TaskRecord | undefined;
  if (task?.state !== 'INITIALIZING' || task.attempt !== attempt) {
    logger.info('attempt is not waiting to start; nothing to do', {
      state: task?.state,
    });
    return 0;
  }

  // Stop at once when the task is cancelled or handed to another attempt.
  const abort = new AbortController();
  const stopIf = (t?: TaskRecord) => {
    if (
      !t ||
      t.attempt !== attempt ||
      t.state === 'CANCELING' ||
      isTerminal(t.state)
    ) {
      abort.abort();
    }
  };
  const unwatch = ref.onSnapshot(
    (s) => stopIf(s.data() as TaskRecord | undefined),
    (error) => logger.warn('task watch failed', { error: String(error) }),
  );
  // Stopped from outside (not cancelled): exit non-zero, so that the
  // compute driver reports the attempt lost unless it stopped it itself.
  // Every SIGTERM is heard (a teardown delivered twice sends two): none
  // may cut short the stop under way.
  let terminated = false;
  process.on('SIGTERM', () => {
    terminated = true;
    abort.abort();
  });
  // Locally, a worker whose stack is gone (killed outright) stops too.
  if (config.mode === 'local') whenParentGone(() => abort.abort());

  reporter.startHeartbeat(config.heartbeatSeconds);

  const attemptDir = path.join(config.workDir, taskId, String(attempt));
  const driver =
    config.containerDriver === 'docker' ? dockerDriver : bubblewrapDriver;
  const outcome = await runTask(
    { ...task, logs: [] },
    {
      reporter,
      attemptDir,
      signal: abort.signal,
      driver,
      warn: (message) => logger.warn(message),
      name: `tes-${taskId}-${attempt}`,
      logsUrl: task.logs_url
        ? `${task.logs_url.replace(/\/+$/, '')}/${taskId}/${attempt}`
        : undefined,
    },
  );
  logger.info('attempt finished', { outcome });
  if (outcome === 'ABORTED') {
    // The killed executor's exit code and end time, told if the service
    // can still hear them; a gone service does not hold the worker up.
    await Promise.race([
      reporter.stopped(STOPPED_NOTE).catch(() => undefined),
      delay(FINAL_REPORT_MS),
    ]);
  }

  reporter.stop();
  unwatch();
  await publisher.close();
  await db.terminate();
  return terminated ? 143 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error('worker failed:', error);
    process.exit(1);
  },
);
