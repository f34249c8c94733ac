/**
 * Ports for the local stack: the defaults declared in firebase.json, or a
 * free port chosen by the system when a port is configured as 0.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The emulator ports firebase.json declares. */
export interface DeclaredPorts {
  firestore: number;
  pubsub: number;
  functions: number;
  storage: number;
}

/** Reads the emulator ports from the project's firebase.json. */
export function declaredPorts(): DeclaredPorts {
  const file = path.join(__dirname, '..', '..', 'firebase.json');
  const { emulators } = JSON.parse(readFileSync(file, 'utf8'));
  return {
    firestore: emulators.firestore.port,
    pubsub: emulators.pubsub.port,
    functions: emulators.functions.port,
    storage: emulators.storage.port,
  };
}

/** A port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `port` itself, or a free one when it is 0. */
export async function portOrFree(port: number): Promise<number> {
  return port === 0 ? freePort() : port;
}
