/**
 * A stand-in for the Compute Engine REST API on 127.0.0.1, since no
 * emulator exists. It serves the paths the driver's client calls (insert,
 * get and delete of instances, wait on zonal operations) with operation,
 * instance and error JSON shaped like the real API's, remembers request
 * ids as the real API does, and checks every request body, and every body
 * it sends back, against the message definitions shipped in
 * @google-cloud/compute.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkComputeMessage } from './compute-messages';

/** One request the stand-in received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
}

/** A failure a zone answers inserts with. */
export type ZoneFailure =
  /** The operation starts, then ends with ZONE_RESOURCE_POOL_EXHAUSTED. */
  | 'exhausted'
  /** The insert itself is refused with HTTP 403 quotaExceeded. */
  | 'quota';

type Json = Record<string, unknown>;

interface StoredOperation {
  json: Json;
  /** What the operation ends with once waited on. */
  error?: Json;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE = '/compute/v1/projects/([^/]+)/zones/([^/]+)';
const INSTANCES = new RegExp(`^${BASE}/instances$`);
const INSTANCE = new RegExp(`^${BASE}/instances/([^/]+)$`);
const WAIT = new RegExp(`^${BASE}/operations/([^/]+)/wait$`);

/** The error body the API sends, legacy `errors` list included. */
function apiError(code: number, message: string, reason: string): Json {
  return {
    error: {
      code,
      message,
      errors: [{ message, domain: 'global', reason }],
    },
  };
}

/** The Compute Engine stand-in; see the file comment. */
export class FakeComputeServer {
  /** Every request, in arrival order. */
  readonly requests: ReceivedRequest[] = [];
  /** Mismatches between bodies and the shipped message definitions. */
  readonly problems: string[] = [];
  /** Zones that fail inserts, and how. */
  readonly failures = new Map<string, ZoneFailure>();
  /** While false, operations stay RUNNING however long they are waited on. */
  operationsFinish = true;
  /** Runs just before an insert is handled, as a racing caller would. */
  beforeInsert?: (zone: string, name: string) => void;
  /** Runs just before a delete is handled. */
  beforeDelete?: (zone: string, name: string) => void;

  private readonly instances = new Map<string, Json>();
  private readonly operations = new Map<string, StoredOperation>();
  private readonly byRequestId = new Map<string, string>();
  private readonly server = http.createServer((req, res) => {
    this.receive(req, res).catch((error: unknown) => {
      this.problems.push(`stand-in failed: ${String(error)}`);
      this.send(res, 500, apiError(500, String(error), 'backendError'));
    });
  });

  /** Starts listening on 127.0.0.1; resolves to the port. */
  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', resolve);
    });
    return this.port();
  }

  /** The port it listens on. */
  port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops listening and drops the client's kept-alive connections. */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The instance called `name` in `zone`, if it exists. */
  instance(zone: string, name: string): Json | undefined {
    return this.instances.get(`${zone}/${name}`);
  }

  /** Every instance, as `zone/name`. */
  instanceKeys(): string[] {
    return [...this.instances.keys()];
  }

  /** Deletes an instance directly, as another caller would have. */
  removeInstance(zone: string, name: string): void {
    this.instances.delete(`${zone}/${name}`);
  }

  /** How many operations were started (a repeated request id starts none). */
  operationCount(): number {
    return this.operations.size;
  }

  /** Creates an instance directly, as another caller would have. */
  addInstance(project: string, zone: string, body: Json): void {
    const name = String(body.name);
    this.instances.set(`${zone}/${name}`, {
      ...body,
      kind: 'compute#instance',
      id: String(Date.now()),
      status: 'RUNNING',
      zone: `projects/${project}/zones/${zone}`,
    });
  }

  /** The requests with `method` whose path ends with `suffix`. */
  received(method: string, suffix = ''): ReceivedRequest[] {
    return this.requests.filter(
      (r) => r.method === method && r.path.endsWith(suffix),
    );
  }

  private async receive(
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const text = await readBody(req);
    const request: ReceivedRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ...(text ? { body: JSON.parse(text) } : {}),
    };
    this.requests.push(request);
    const [status, body] = this.route(request);
    this.send(res, status, body);
  }

  private route(request: ReceivedRequest): [number, Json] {
    const { method, path } = request;
    const insert = INSTANCES.exec(path);
    if (insert && method === 'POST') return this.insert(request, insert);
    const one = INSTANCE.exec(path);
    if (one && method === 'GET') return this.get(one);
    if (one && method === 'DELETE') return this.delete(request, one);
    const wait = WAIT.exec(path);
    if (wait && method === 'POST') return this.wait(wait);

    this.problems.push(`unexpected request ${method} ${path}`);
    return [404, apiError(404, `no route for ${path}`, 'notFound')];
  }

  private insert(
    request: ReceivedRequest,
    [, project = '', zone = '']: RegExpExecArray,
  ): [number, Json] {
    this.problems.push(...checkComputeMessage('Instance', request.body));
    const repeated = this.repeatedRequest(request);
    if (repeated) return [200, repeated];

    const body = (request.body ?? {}) as Json;
    const name = String(body.name);
    this.beforeInsert?.(zone, name);
    const failure = this.failures.get(zone);
    if (failure === 'quota') {
      const message = `Quota 'CPUS' exceeded.  Limit: 8.0 in region ${zone.replace(/-[a-z]$/, '')}.`;
      return [403, apiError(403, message, 'quotaExceeded')];
    }
    if (this.instance(zone, name)) {
      const message = `The resource 'projects/${project}/zones/${zone}/instances/${name}' already exists`;
      return [409, apiError(409, message, 'alreadyExists')];
    }

    if (failure !== 'exhausted') this.addInstance(project, zone, body);
    const error =
      failure === 'exhausted' ? exhaustedError(project, zone) : undefined;
    return [200, this.startOperation(request, project, zone, name, error)];
  }

  private get([, , zone = '', name = '']: RegExpExecArray): [number, Json] {
    const found = this.instance(zone, name);
    if (found) return [200, this.checked('Instance', found)];
    return [404, notFound(zone, name)];
  }

  private delete(
    request: ReceivedRequest,
    [, project = '', zone = '', name = '']: RegExpExecArray,
  ): [number, Json] {
    const repeated = this.repeatedRequest(request);
    if (repeated) return [200, repeated];

    this.beforeDelete?.(zone, name);
    if (!this.instances.delete(`${zone}/${name}`)) {
      return [404, notFound(zone, name)];
    }
    return [200, this.startOperation(request, project, zone, name)];
  }

  private wait([, , , operation = '']: RegExpExecArray): [number, Json] {
    const stored = this.operations.get(operation);
    if (!stored) return [404, apiError(404, 'no such operation', 'notFound')];

    if (this.operationsFinish && stored.json.status !== 'DONE') {
      stored.json = {
        ...stored.json,
        status: 'DONE',
        progress: 100,
        endTime: new Date().toISOString(),
        ...(stored.error ?? {}),
      };
    }
    return [200, this.checked('Operation', stored.json)];
  }

  /** The operation a request id already started, as the real API does. */
  private repeatedRequest(request: ReceivedRequest): Json | undefined {
    const id = request.query.requestId ?? '';
    if (!UUID.test(id)) this.problems.push(`requestId "${id}" is no UUID`);
    const name = this.byRequestId.get(id);
    return name ? this.operations.get(name)?.json : undefined;
  }

  private startOperation(
    request: ReceivedRequest,
    project: string,
    zone: string,
    target: string,
    error?: Json,
  ): Json {
    const name = `operation-${Date.now()}-${randomUUID()}`;
    const json: Json = {
      kind: 'compute#operation',
      id: String(this.operations.size + 1),
      name,
      zone: `projects/${project}/zones/${zone}`,
      operationType: request.method === 'POST' ? 'insert' : 'delete',
      targetLink: `projects/${project}/zones/${zone}/instances/${target}`,
      status: 'RUNNING',
      progress: 0,
      insertTime: new Date().toISOString(),
    };
    this.operations.set(name, { json, error });
    this.byRequestId.set(request.query.requestId ?? '', name);
    return this.checked('Operation', json);
  }

  /** Fails the test run if the stand-in itself answers off-definition. */
  private checked(type: string, json: Json): Json {
    const problems = checkComputeMessage(type, json);
    this.problems.push(...problems.map((p) => `stand-in answered ${p}`));
    return json;
  }

  private send(res: http.ServerResponse, status: number, body: Json): void {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

function notFound(zone: string, name: string): Json {
  const message = `The resource 'zones/${zone}/instances/${name}' was not found`;
  return apiError(404, message, 'notFound');
}

/** How a finished insert reports a zone without capacity. */
function exhaustedError(project: string, zone: string): Json {
  return {
    error: {
      errors: [
        {
          code: 'ZONE_RESOURCE_POOL_EXHAUSTED',
          message: `The zone 'projects/${project}/zones/${zone}' does not have enough resources available to fulfill the request.  Try a different zone, or try again later.`,
        },
      ],
    },
    httpErrorStatusCode: 503,
    httpErrorMessage: 'SERVICE UNAVAILABLE',
  };
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
