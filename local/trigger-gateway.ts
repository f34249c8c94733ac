/**
 * The local stand-in for Eventarc: receives the Firestore emulator's
 * document trigger deliveries and forwards them to the function as
 * production would send them. The emulator differs from production in
 * ways this corrects:
 * - it sends the protobuf as base64 text, production as raw bytes;
 * - its ce-source repeats "projects/";
 * - its update mask is always empty;
 * - it never retries, while the functions are deployed with retries.
 * A delivery is acknowledged to the emulator at once and then retried
 * here, with backoff, until the function accepts it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { withChangedFieldsMask } from '../shared/document-event';
import type { Logger } from '../shared/logger';

const DELIVERY_PATH = /^\/functions\/projects\/([^/]+)\/triggers\/([^/?]+)/;
const MAX_BACKOFF_MS = 10_000;

/** Where the deliveries for one trigger go. */
export interface Route {
  project: string;
  triggerId: string;
  target: string;
  /** Deliveries of each event: 2 to test that duplicates are harmless. */
  copies?: number;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Turns the emulator's delivery into what Eventarc would send. */
export function correctDelivery(
  headers: http.IncomingHttpHeaders,
  body: Buffer,
): { headers: Record<string, string>; body: Buffer } {
  const bytes = Buffer.from(body.toString('latin1').trim(), 'base64');
  const out: Record<string, string> = {
    'content-type': 'application/protobuf',
  };
  for (const [key, value] of Object.entries(headers)) {
    if (key.startsWith('ce-') && typeof value === 'string') out[key] = value;
  }
  if (out['ce-source']) {
    out['ce-source'] = out['ce-source'].replace(
      /projects\/projects\//,
      'projects/',
    );
  }
  return { headers: out, body: Buffer.from(withChangedFieldsMask(bytes)) };
}

/** Receives trigger deliveries and forwards them with retries. */
export class TriggerGateway {
  private readonly routes = new Map<string, Route>();
  private readonly server: http.Server;
  private pending = 0;

  constructor(private readonly logger: Logger) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error) => {
        this.logger.error('gateway request failed', { error: String(error) });
        res.writeHead(500).end();
      });
    });
  }

  /** Starts listening on 127.0.0.1; returns host:port. */
  async listen(port: number): Promise<string> {
    await new Promise<void>((resolve) =>
      this.server.listen(port, '127.0.0.1', resolve),
    );
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Routes a trigger's deliveries to `target` (also POST /routes). */
  addRoute(route: Route): void {
    this.routes.set(`${route.project}/${route.triggerId}`, route);
  }

  /** Deliveries received and not yet accepted by their function. */
  get inFlight(): number {
    return this.pending;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const body = await readBody(req);
    if (
      req.url === '/routes' &&
      (req.method === 'POST' || req.method === 'DELETE')
    ) {
      const route = JSON.parse(body.toString()) as Route;
      if (req.method === 'POST') this.addRoute(route);
      else this.routes.delete(`${route.project}/${route.triggerId}`);
      res.writeHead(204).end();
      return;
    }

    const match = DELIVERY_PATH.exec(req.url ?? '');
    const route = match && this.routes.get(`${match[1]}/${match[2]}`);
    if (!route) {
      this.logger.warn('delivery for an unknown trigger dropped', {
        url: req.url,
      });
      res.writeHead(404).end();
      return;
    }

    const delivery = correctDelivery(req.headers, body);
    res.writeHead(204).end();
    const key = `${route.project}/${route.triggerId}`;
    const copies = Array.from({ length: route.copies ?? 1 }, () => key);
    this.pending += copies.length;
    await Promise.all(
      copies.map((k) =>
        this.deliver(k, delivery).finally(() => {
          this.pending -= 1;
        }),
      ),
    );
  }

  private async deliver(
    key: string,
    delivery: ReturnType<typeof correctDelivery>,
  ) {
    // Retries last as long as the route: a stack that stops removes it.
    for (let attempt = 0; ; attempt += 1) {
      const target = this.routes.get(key)?.target;
      if (!target) return;
      try {
        const response = await fetch(target, {
          method: 'POST',
          headers: delivery.headers,
          body: delivery.body,
        });
        if (response.ok) return;
        this.logger.warn('trigger delivery refused; retrying', {
          target,
          status: response.status,
          eventId: delivery.headers['ce-id'],
        });
      } catch (error) {
        this.logger.warn('trigger delivery failed; retrying', {
          target,
          error: String(error),
        });
      }
      await sleep(Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempt));
    }
  }
}
