/**
 * The API function alone, served in this process by the Functions
 * Framework against the Firestore emulator, in a project of its own with
 * no triggers: tasks created here stay as the test leaves them. For tests
 * of the API contract that need many tasks or tasks held in one state.
 */
import type { AddressInfo } from 'node:net';
import type { Firestore } from '@google-cloud/firestore';
import * as ff from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { createApiHandler } from '../../functions/api/handler';
import { localIdentity } from '../../functions/api/identity';
import { TaskStore } from '../../functions/api/task-store';
import { installFrameworkEdges } from '../../functions/framework-edges';
import { createFirestore } from '../../shared/cloud';
import { loadConfig } from '../../shared/config';
import { createLogger } from '../../shared/logger';

/** A running API server. */
export interface ApiServer {
  /** The TES base URL, ending in /ga4gh/tes/v1. */
  url: string;
  projectId: string;
  db: Firestore;
  close(): Promise<void>;
}

/** Serves the API for a fresh `demo-` project. */
export async function startApiServer(projectId: string): Promise<ApiServer> {
  installFrameworkEdges();
  const config = loadConfig({
    ...process.env,
    TES_MODE: 'local',
    TES_PROJECT: projectId,
  });
  const db = createFirestore(config);
  const logger = createLogger('tes-api', 'local');
  logger.level = 'warn';
  const name = `tes-api-${projectId}`;
  ff.http(
    name,
    createApiHandler({
      config,
      store: new TaskStore(db),
      identity: localIdentity,
      logger,
    }),
  );

  const server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ga4gh/tes/v1`,
    projectId,
    db,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await db.terminate();
    },
  };
}
