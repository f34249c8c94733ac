/**
 * A small HTTP server on a free loopback port, for tests that need a web
 * address: an input to fetch, or something an executor must not reach.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebServer {
  /** http://127.0.0.1:PORT, without a trailing slash. */
  url: string;
  close(): void;
}

export async function serveHttp(
  handler: http.RequestListener,
): Promise<WebServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}
