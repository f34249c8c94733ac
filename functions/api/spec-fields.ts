/**
 * The fields the TES specification defines for each object of a task:
 * only these are stored, whatever else a request carries.
 */
import type { Json } from './checker';

/** Fields of an executor. */
export const EXECUTOR_FIELDS = [
  'image',
  'command',
  'workdir',
  'stdin',
  'stdout',
  'stderr',
  'env',
  'ignore_error',
];
/** Fields of an input. */
export const INPUT_FIELDS = [
  'name',
  'description',
  'url',
  'path',
  'type',
  'content',
  'streamable',
];
/** Fields of an output. */
export const OUTPUT_FIELDS = [
  'name',
  'description',
  'url',
  'path',
  'path_prefix',
  'type',
];
/** Fields of the resources. */
export const RESOURCE_FIELDS = [
  'cpu_cores',
  'preemptible',
  'ram_gb',
  'disk_gb',
  'zones',
  'backend_parameters',
  'backend_parameters_strict',
];

/** The fields of `obj` that `fields` names, and no others. */
export function pick(obj: Json, fields: string[]): Json {
  return Object.fromEntries(
    fields.filter((f) => obj[f] !== undefined).map((f) => [f, obj[f]]),
  );
}
