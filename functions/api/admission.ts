/**
 * What the service admits beyond a request's shape: paths claimed twice,
 * wildcard outputs, resources no machine has, backend parameters, and
 * the size a task may take in its Firestore document. It returns the
 * task as it will be stored (defaults filled, exact duplicates merged)
 * and the system log lines the user should see about it.
 */
import {
  type FieldProblem,
  PayloadTooLargeError,
  ValidationError,
} from '../../shared/errors';
import { chooseMachine, NoMachineError } from '../../shared/machines';
import { OUTPUT_SCHEMES, urlProblem } from '../../shared/storage-url';
import {
  hasGlob,
  type TesInput,
  type TesOutput,
  type TesTaskRequest,
} from '../../shared/tes';
import { taskTerms } from './search-terms';

/** Backend parameters the service understands, each with its check. */
export const BACKEND_PARAMETERS: Readonly<
  Record<string, (value: string) => string | undefined>
> = {
  /** `host` lets executors reach the network; the default, `none`, does not. */
  network: oneOf('none', 'host'),
  /**
   * A file:// or gs:// folder: each executor's whole stdout and stderr
   * are stored under it, at TASK_ID/ATTEMPT/executor-N.stdout (and
   * .stderr), and named in the task log's metadata.
   */
  logs_url: (value) =>
    urlProblem(value, OUTPUT_SCHEMES) ??
    (Buffer.byteLength(value) > MAX_LOGS_URL_BYTES
      ? `must be at most ${MAX_LOGS_URL_BYTES} bytes, to leave room for the names below it`
      : undefined),
};

/**
 * The longest logs_url: the object names below it (task id, attempt,
 * executor-N.stderr) must stay within Cloud Storage's 1024 bytes.
 */
const MAX_LOGS_URL_BYTES = 900;

function oneOf(...allowed: string[]) {
  return (value: string) =>
    allowed.includes(value)
      ? undefined
      : `must be one of ${allowed.join(', ')}`;
}

/**
 * The largest task, as stored, in bytes. A Firestore document holds at
 * most 1 MiB; the rest is kept for the logs of the task's attempts.
 */
export const MAX_TASK_BYTES = 384 * 1024;

/** The most executors a task may have: each keeps 20 KiB of log tails. */
export const MAX_EXECUTORS = 16;

/**
 * The most tags a task may have: each is up to two indexed search terms,
 * and a Firestore document has at most 40,000 index entries.
 */
export const MAX_TAGS = 1000;

/** The most backend parameters a task may give (this service knows two). */
export const MAX_BACKEND_PARAMETERS = 64;

/** The admitted task and what the user should be told about it. */
export interface Admitted {
  request: TesTaskRequest;
  notes: string[];
}

/** What admission needs to know about the deployment. */
export interface AdmissionPolicy {
  zones: string[];
}

function sameSource(a: TesInput, b: TesInput): boolean {
  return a.url === b.url && a.content === b.content && a.type === b.type;
}

/** Merges exact duplicates; reports the same path with another source. */
function dedupe<T extends { path: string }>(
  list: T[],
  field: string,
  same: (a: T, b: T) => boolean,
  problems: FieldProblem[],
  notes: string[],
): T[] {
  const kept = new Map<string, { item: T; index: number }>();
  list.forEach((item, index) => {
    const first = kept.get(item.path);
    if (!first) {
      kept.set(item.path, { item, index });
    } else if (same(first.item, item)) {
      notes.push(
        `${field}[${index}] repeats ${field}[${first.index}] (${item.path}) and was merged`,
      );
    } else {
      problems.push({
        field: `${field}[${index}].path`,
        message: `${item.path} is also ${field}[${first.index}].path, with a different source`,
      });
    }
  });
  return [...kept.values()].map((k) => k.item);
}

function checkWildcards(outputs: TesOutput[], problems: FieldProblem[]) {
  outputs.forEach((output, i) => {
    if (!hasGlob(output.path)) return;
    const prefix = output.path_prefix;
    if (!prefix) {
      problems.push({
        field: `outputs[${i}].path_prefix`,
        message: 'required when the path has wildcards',
      });
    } else if (!output.path.startsWith(prefix) || hasGlob(prefix)) {
      problems.push({
        field: `outputs[${i}].path_prefix`,
        message: 'must be a wildcard-free prefix of the path',
      });
    }
  });
}

function checkResources(
  request: TesTaskRequest,
  policy: AdmissionPolicy,
  problems: FieldProblem[],
  notes: string[],
) {
  const resources = request.resources;
  try {
    chooseMachine(resources, policy.zones);
  } catch (error) {
    if (!(error instanceof NoMachineError)) throw error;
    problems.push({
      field: 'resources',
      message: `cannot be provided: ${error.message}`,
    });
  }
  (resources?.zones ?? []).forEach((zone, i) => {
    if (!policy.zones.includes(zone)) {
      problems.push({
        field: `resources.zones[${i}]`,
        message: `"${zone}" is not a zone this service runs in (${policy.zones.join(', ')})`,
      });
    }
  });

  for (const [key, value] of Object.entries(
    resources?.backend_parameters ?? {},
  )) {
    const check = Object.hasOwn(BACKEND_PARAMETERS, key)
      ? BACKEND_PARAMETERS[key]
      : undefined;
    const field = `resources.backend_parameters.${key}`;
    const problem = check?.(value);
    if (problem) {
      problems.push({ field, message: problem });
    } else if (!check && resources?.backend_parameters_strict) {
      const known = Object.keys(BACKEND_PARAMETERS).join(', ');
      problems.push({
        field,
        message: `is not a backend parameter this service knows (known: ${known})`,
      });
    } else if (!check) {
      notes.push(
        `backend parameter "${key}" is not known to this service and was ignored`,
      );
    }
  }
}

/** Admits a well-formed request, or throws with every reason it cannot be. */
export function admit(
  request: TesTaskRequest,
  policy: AdmissionPolicy,
): Admitted {
  const problems: FieldProblem[] = [];
  const notes: string[] = [];

  if (request.executors.length > MAX_EXECUTORS) {
    problems.push({
      field: 'executors',
      message: `at most ${MAX_EXECUTORS} executors are allowed`,
    });
  }
  const parameters = request.resources?.backend_parameters ?? {};
  if (Object.keys(parameters).length > MAX_BACKEND_PARAMETERS) {
    problems.push({
      field: 'resources.backend_parameters',
      message: `at most ${MAX_BACKEND_PARAMETERS} backend parameters are allowed`,
    });
  }
  if (Object.keys(request.tags ?? {}).length > MAX_TAGS) {
    problems.push({
      field: 'tags',
      message: `at most ${MAX_TAGS} tags are allowed`,
    });
  }
  const withType = <T extends { type?: string }>(item: T) => ({
    ...item,
    type: item.type ?? 'FILE',
  });
  const inputs = dedupe(
    (request.inputs ?? []).map(withType),
    'inputs',
    sameSource,
    problems,
    notes,
  );
  const outputs = dedupe(
    (request.outputs ?? []).map(withType),
    'outputs',
    (a, b) => JSON.stringify(a) === JSON.stringify(b),
    problems,
    notes,
  );
  checkWildcards(outputs, problems);
  checkResources(request, policy, problems, notes);
  if (problems.length > 0) throw new ValidationError(problems);

  const admitted = { ...request, inputs, outputs };
  // Stored with its search terms, which tags add to.
  const terms = taskTerms(admitted.name, admitted.tags ?? {});
  const bytes = Buffer.byteLength(JSON.stringify({ ...admitted, terms }));
  if (bytes > MAX_TASK_BYTES) {
    throw new PayloadTooLargeError(
      `the task takes ${bytes} bytes; a task may take at most ${MAX_TASK_BYTES} bytes, so that it and its logs fit in one Firestore document (1 MiB)`,
    );
  }
  return { request: admitted, notes };
}
