/**
 * Which http(s) inputs the worker refuses to fetch: the metadata server
 * (link-local addresses; on a VM it hands out the worker's credentials)
 * and the service's own endpoints (locally, the emulators hold every
 * owner's tasks). Everything else, including the user's own servers on
 * this machine, may be fetched.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** An input URL the worker will not fetch. */
export class ForbiddenUrlError extends Error {
  override name = 'ForbiddenUrlError';
}

const SERVICE_ENDPOINTS = [
  'FIRESTORE_EMULATOR_HOST',
  'PUBSUB_EMULATOR_HOST',
  'STORAGE_EMULATOR_HOST',
  'TES_TRIGGER_GATEWAY',
  // Local mode: every function's own address, the API's among them.
  'TES_FUNCTION_URLS',
];

/** An IPv4 address written as IPv6 (::ffff:a.b.c.d or ::ffff:hhhh:hhhh). */
function unmapped(address: string): string {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted?.[1]) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex?.[1] || !hex[2]) return address;
  const high = Number.parseInt(hex[1], 16);
  const low = Number.parseInt(hex[2], 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

function isLinkLocal(address: string): boolean {
  return address.startsWith('169.254.') || /^fe[89ab][0-9a-f]:/i.test(address);
}

// 0.0.0.0 and :: reach this machine too.
function isLoopback(address: string): boolean {
  return (
    address.startsWith('127.') ||
    address.startsWith('0.') ||
    address === '::1' ||
    address === '::'
  );
}

/** The ports of the service's own endpoints on this machine. */
function servicePorts(env: NodeJS.ProcessEnv): Set<string> {
  const ports = new Set<string>();
  // TES_FUNCTION_URLS holds several, separated by commas.
  const values = SERVICE_ENDPOINTS.flatMap((key) =>
    (env[key] ?? '').split(',').filter(Boolean),
  );
  for (const value of values) {
    const port = new URL(value.includes('://') ? value : `http://${value}`)
      .port;
    if (port) ports.add(port);
  }
  return ports;
}

/** Throws ForbiddenUrlError if `url` leads to a refused host. */
export async function checkInputUrl(
  url: URL,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'metadata.google.internal' || host === 'metadata') {
    throw new ForbiddenUrlError(
      `${url.href}: the metadata server is not an input`,
    );
  }
  const addresses = isIP(host)
    ? [host]
    : (await lookup(host, { all: true })).map((a) => a.address);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const address of addresses.map(unmapped)) {
    if (isLinkLocal(address)) {
      throw new ForbiddenUrlError(
        `${url.href}: link-local addresses are not inputs`,
      );
    }
    if (isLoopback(address) && servicePorts(env).has(port)) {
      throw new ForbiddenUrlError(
        `${url.href}: the service's own endpoints are not inputs`,
      );
    }
  }
}
