/**
 * Serves every function of the manifest on 127.0.0.1, each on its own
 * port and through the Functions Framework, exactly as it is deployed.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { FUNCTIONS } from '../shared/topology';

/** One function's running server. */
export interface Served {
  name: string;
  url: string;
  server: http.Server;
}

/**
 * Starts a server for each function registered by functions/index. The
 * HTTP function listens on `apiPort`; the others on free ports.
 */
export async function serveFunctions(apiPort: number): Promise<Served[]> {
  const served: Served[] = [];
  for (const fn of FUNCTIONS) {
    const server = getTestServer(fn.name);
    // Idle connections outlive the clients' own keep-alive (as Google's
    // front ends do), so a client never sends on a socket closing under it.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    const port = fn.trigger.kind === 'http' ? apiPort : 0;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    const address = server.address() as AddressInfo;
    served.push({
      name: fn.name,
      url: `http://127.0.0.1:${address.port}`,
      server,
    });
  }
  return served;
}

/** How long requests under way may take once a server is closing. */
const CLOSE_GRACE_MS = 10_000;

/**
 * Stops a server taking connections and resolves once the requests under
 * way are answered: idle connections are closed as they become idle, and
 * whatever is left after the grace is cut.
 */
export async function closeServer(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const started = Date.now();
  const sweeper = setInterval(() => {
    if (Date.now() - started > CLOSE_GRACE_MS) server.closeAllConnections();
    else server.closeIdleConnections();
  }, 50);
  await closed;
  clearInterval(sweeper);
}
