/**
 * The scripts a worker VM runs, passed as instance metadata.
 *
 * The worker ships as a container image built from this repository (its
 * working directory holds `dist/`), and the VM boots Container-Optimized
 * OS, which has Docker but no gcloud. The startup script runs
 * `node dist/worker/main.js --task ID --attempt N` in that image; the
 * shutdown script reports a preemption. Both publish on tes-worker-events
 * through the Pub/Sub REST API with the VM's own token, so that a worker
 * that cannot report for itself is still seen as lost.
 */
import { TOPICS } from '../../shared/topology';

/** What the scripts need to know about their attempt. */
export interface WorkerScriptParams {
  taskId: string;
  attempt: number;
  projectId: string;
  /** The worker's container image. */
  image: string;
  heartbeatSeconds: number;
}

/**
 * The folder holding the attempt's files, on the stateful partition
 * (Container-Optimized OS keeps the rest read-only). The worker container
 * sees it at the same path, so paths it hands to Docker for executors
 * mean the same on the host.
 */
const WORK_DIR = '/mnt/stateful_partition/tes';

const METADATA = 'http://metadata.google.internal/computeMetadata/v1';

/**
 * Task ids the scripts can carry: the event JSON is built in bash, so an
 * id must need no escaping there (the API's UUIDs never do).
 */
export const SCRIPT_SAFE_ID = /^[A-Za-z0-9._-]{1,256}$/;

/** Quotes a value for bash, whatever it contains. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Registries whose pulls need the VM's credentials. */
function googleRegistry(image: string): string | undefined {
  const host = image.split('/')[0] ?? '';
  return /(^|\.)(pkg\.dev|gcr\.io)$/.test(host) ? host : undefined;
}

/** Variables and the `report_lost REASON` function both scripts share. */
function prelude(params: WorkerScriptParams): string[] {
  const topic = `projects/${params.projectId}/topics/${TOPICS.workerEvents}`;
  return [
    'set -u',
    `TASK_ID=${shellQuote(params.taskId)}`,
    `ATTEMPT=${params.attempt}`,
    `WORK=${WORK_DIR}`,
    `MD=${METADATA}`,
    '',
    '# Publishes a worker_lost event; the reason is a constant of this script.',
    'report_lost() {',
    '  local token event data',
    `  token=$(curl -sf -H 'Metadata-Flavor: Google' "$MD/instance/service-accounts/default/token" | sed -n 's/.*"access_token" *: *"\\([^"]*\\)".*/\\1/p')`,
    `  event=$(printf '{"type":"worker_lost","taskId":"%s","attempt":%s,"seq":0,"time":"%s","reason":"%s"}' "$TASK_ID" "$ATTEMPT" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1")`,
    `  data=$(printf '%s' "$event" | base64 -w0)`,
    `  curl -sf -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "{\\"messages\\":[{\\"data\\":\\"$data\\"}]}" ${shellQuote(`https://pubsub.googleapis.com/v1/${topic}:publish`)} >/dev/null`,
    '}',
  ];
}

function dockerLogin(image: string): string[] {
  const registry = googleRegistry(image);
  if (!registry) return [];
  return [`docker-credential-gcr configure-docker --registries=${registry}`];
}

/**
 * The startup script: runs the attempt's worker once. A second boot means
 * the host restarted the VM and the worker died with it, which is
 * reported rather than run again. The container is privileged because
 * the worker sandboxes executors in namespaces of its own, and it gets
 * the host's Docker socket to run executor images beside itself.
 */
export function startupScript(params: WorkerScriptParams): string {
  return [
    '#!/bin/bash',
    '# Runs the worker of one TES task attempt (set by tes-worker-launch).',
    ...prelude(params),
    '',
    'mkdir -p "$WORK"',
    `if [ -e "$WORK/.booted" ]; then report_lost 'worker VM restarted'; exit 0; fi`,
    'touch "$WORK/.booted"',
    "# Root's home is read-only; Docker keeps registry credentials there.",
    'export HOME=/var/lib/tes-worker',
    'mkdir -p "$HOME"',
    ...dockerLogin(params.image),
    'docker run --rm --name tes-worker --privileged --network host \\',
    '  -v /var/run/docker.sock:/var/run/docker.sock -v "$WORK:$WORK" \\',
    `  -e TES_MODE=gcp -e TES_PROJECT=${shellQuote(params.projectId)} \\`,
    `  -e TES_WORK_DIR="$WORK" -e TES_HEARTBEAT_SECONDS=${params.heartbeatSeconds} \\`,
    `  ${shellQuote(params.image)} \\`,
    '  node dist/worker/main.js --task "$TASK_ID" --attempt "$ATTEMPT"',
    'code=$?',
    'if [ "$code" -ne 0 ]; then report_lost "worker exited with code $code"; fi',
    '',
  ].join('\n');
}

/**
 * The shutdown script: runs on every stop, but reports only a preemption
 * (a spot VM has about 30 seconds); a deletion asked by teardown is
 * already known to the service.
 */
export function shutdownScript(params: WorkerScriptParams): string {
  return [
    '#!/bin/bash',
    '# Reports a preemption of this TES task attempt before the VM goes.',
    ...prelude(params),
    '',
    `preempted=$(curl -sf -H 'Metadata-Flavor: Google' "$MD/instance/preempted")`,
    'if [ "$preempted" = TRUE ]; then report_lost preempted; fi',
    '',
  ].join('\n');
}
