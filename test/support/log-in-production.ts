/**
 * Run as a child process by test/unit/logging.test.ts: logs a fixed set
 * of lines through the production (gcp) logger and writes nothing else to
 * stdout, so that the test can read every line the process wrote. Any
 * attempt to open a network connection is reported on stderr and fails
 * the run: production logging must never call the Logging API.
 */
import net from 'node:net';
import { createLogger } from '../../shared/logger';

function refused(): never {
  process.stderr.write('a network connection was attempted\n');
  process.exit(3);
}

/** Node's sockets and its fetch (which has sockets of its own). */
function refuseConnections(): void {
  Object.defineProperty(net.Socket.prototype, 'connect', { value: refused });
  globalThis.fetch = refused;
}

refuseConnections();

const launch = createLogger('tes-worker-launch', 'gcp', 'demo-tes');
launch.info('worker VM created', {
  taskId: 'task-1',
  attempt: 2,
  zone: 'us-central1-a',
});
launch.warn('zone refused the worker VM', {
  taskId: 'task-1',
  attempt: 2,
  refusal: 'first line\nsecond line',
});
launch.error('event failed; it will be delivered again', {
  eventId: 'event-1',
  error: 'Error: boom',
});
launch.child({ taskId: 'task-2', attempt: 1 }).info('worker torn down');
launch.debug('below the production level');
launch.error(new Error('thrown as it is'));

createLogger('tes-api', 'gcp', 'demo-tes').info('request served', {
  status: 200,
});
