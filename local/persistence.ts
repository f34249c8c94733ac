/**
 * Keeping local tasks between runs. The Firestore emulator can export its
 * data and import it at start, but its --export-on-exit flag was seen to
 * write nothing when the emulator is stopped with SIGTERM; so the stack
 * asks for an export itself, through the emulator's export endpoint.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import path from 'node:path';

const METADATA_SUFFIX = '.overall_export_metadata';

/** The metadata file of the export kept in `dir`, if there is one. */
export function latestExport(dir: string): string | undefined {
  const current = path.join(dir, 'current');
  if (!existsSync(current)) return undefined;
  const found = readdirSync(current, {
    recursive: true,
    encoding: 'utf8',
  }).find((f) => f.endsWith(METADATA_SUFFIX));
  return found && path.join(current, found);
}

/**
 * Exports the project's data into `dir`, replacing the export kept there
 * only once the new one is complete.
 */
export async function exportFirestore(
  firestoreHost: string,
  projectId: string,
  dir: string,
): Promise<void> {
  const next = path.join(dir, 'next');
  rmSync(next, { recursive: true, force: true });
  mkdirSync(next, { recursive: true });
  const response = await fetch(
    `http://${firestoreHost}/emulator/v1/projects/${projectId}:export`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        database: `projects/${projectId}/databases/(default)`,
        export_directory: next,
      }),
    },
  );
  if (!response.ok) {
    throw new Error(
      `Firestore export answered ${response.status}: ${await response.text()}`,
    );
  }
  const current = path.join(dir, 'current');
  rmSync(current, { recursive: true, force: true });
  renameSync(next, current);
}
