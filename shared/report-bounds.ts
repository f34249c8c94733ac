/**
 * The size bound of a worker's report: the same cut on both sides of
 * tes-worker-events, so that no report is too big to publish or to store.
 */
import type { AttemptReport } from './messages';

/**
 * The most a report may take. The worker cuts its reports to it before
 * publishing (a Pub/Sub message is at most 10 MB), and the ingestion
 * function again before storing (a Firestore document is at most 1 MiB,
 * and a refused write would be retried forever).
 */
export const MAX_REPORT_BYTES = 512 * 1024;

function size(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/** Cuts a report down to `limit` bytes, keeping the newest of each list. */
export function boundReport(
  report: AttemptReport,
  limit = MAX_REPORT_BYTES,
): AttemptReport {
  if (size(report) <= limit) return report;
  const lines = report.system_logs.length;
  const files = report.outputs.length;
  // Halve what is kept until it fits: tails, then log lines, then the
  // output file logs; at 0 only the executors' exit codes are left.
  for (let keep = 4096; ; keep = keep >> 1) {
    const bounded: AttemptReport = {
      ...report,
      executors: report.executors.map((e) => ({
        ...e,
        stdout: keep > 0 ? e.stdout.slice(-keep) : '',
        stderr: keep > 0 ? e.stderr.slice(-keep) : '',
      })),
      system_logs: [
        `(${lines} system log lines and ${files} output file logs; only some are kept)`,
        ...(keep > 0
          ? report.system_logs.slice(-Math.max(1, keep >> 4))
          : []
        ).map((l) => l.slice(0, 1000)),
      ],
      outputs: keep >= 256 ? report.outputs : report.outputs.slice(0, keep * 4),
    };
    if (size(bounded) <= limit || keep === 0) return bounded;
  }
}
