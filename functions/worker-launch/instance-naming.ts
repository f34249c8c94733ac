/**
 * Names derived from a task attempt, the same on every delivery of its
 * launch: the VM's name, the request ids that make a repeated insert or
 * delete harmless, and label values that follow Compute Engine's rules.
 */
import { createHash } from 'node:crypto';

/** Longest VM name and label value Compute Engine accepts. */
const MAX_LENGTH = 63;

/** Hex digits of a hash appended when a value had to be shortened. */
const HASH_DIGITS = 8;

/**
 * The namespace of this service's name-based UUIDs (RFC 9562, version 5):
 * any fixed UUID works, and this one must never change, or a redelivered
 * launch would no longer be recognised as a repeat.
 */
const REQUEST_ID_NAMESPACE = 'c5f2e1d4-3b8a-4c6e-9f1d-7a2b5e8c0d13';

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_DIGITS);
}

/** Lowercase letters, digits and dashes only, as VM names require. */
function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

/**
 * The VM of one task attempt: `tes-<taskId>-<attempt>`. Task ids are
 * UUIDs, which fit as they are; any other id that had to be changed or
 * shortened gets a hash of the original, so two ids never share a name.
 */
export function instanceName(taskId: string, attempt: number): string {
  const suffix = `-${attempt}`;
  const room = MAX_LENGTH - 'tes-'.length - suffix.length;
  const cleaned = slug(taskId);
  const id =
    cleaned === taskId && cleaned.length <= room
      ? cleaned
      : `${cleaned.slice(0, room - HASH_DIGITS - 1)}-${shortHash(taskId)}`;
  return `tes-${id}${suffix}`;
}

/**
 * A label value: at most 63 lowercase letters, digits, `_` and `-`. Values
 * that are too long keep a hash of the whole, so billing exports still
 * tell owners apart.
 */
export function labelValue(text: string): string {
  const cleaned = text.toLowerCase().replace(/[^a-z0-9_-]/g, '_');
  if (cleaned.length <= MAX_LENGTH) return cleaned;
  return `${cleaned.slice(0, MAX_LENGTH - HASH_DIGITS - 1)}-${shortHash(text)}`;
}

function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

/** A name-based UUID (version 5), as RFC 9562 defines it. */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1')
    .update(uuidBytes(namespace))
    .update(name)
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20),
  ].join('-');
}

/**
 * The `requestId` of one call about one attempt's VM in one zone. Compute
 * Engine answers a repeated request id with the first request's operation
 * instead of acting twice.
 */
export function requestId(
  call: 'insert' | 'delete',
  taskId: string,
  attempt: number,
  zone: string,
): string {
  const name = JSON.stringify([call, taskId, attempt, zone]);
  return uuidV5(REQUEST_ID_NAMESPACE, name);
}
