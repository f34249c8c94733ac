/**
 * Search terms: how ListTasks filters by name prefix and tags through a
 * Firestore index instead of a scan. Each task stores one array of terms,
 * a term for every prefix of its name and for every tag key and key=value
 * pair. A list query asks the index for one term (array-contains) and
 * checks any other filter on the few tasks that term returns.
 */
import { createHash } from 'node:crypto';

/** Name prefixes longer than this are matched on their first part. */
export const MAX_PREFIX_CHARS = 64;

// Firestore indexes at most 1500 bytes of a value; long terms are hashed.
const MAX_TERM_BYTES = 256;

/** A tag filter: an empty value means "the key is present". */
export interface TagFilter {
  key: string;
  value: string;
}

function term(kind: string, text: string): string {
  const full = `${kind}:${text}`;
  if (Buffer.byteLength(full) <= MAX_TERM_BYTES) return full;
  return `${kind}#${createHash('sha256').update(text).digest('base64url')}`;
}

function nameTerm(prefix: string): string {
  return term('name', [...prefix].slice(0, MAX_PREFIX_CHARS).join(''));
}

function tagTerm(tag: TagFilter): string {
  return tag.value === ''
    ? term('tag', tag.key)
    : term('tagval', JSON.stringify([tag.key, tag.value]));
}

/** Every term a task is found by. */
export function taskTerms(
  name: string | undefined,
  tags: Record<string, string>,
): string[] {
  const chars = [...(name ?? '')].slice(0, MAX_PREFIX_CHARS);
  const terms = new Set<string>();
  for (let n = 1; n <= chars.length; n += 1)
    terms.add(nameTerm(chars.slice(0, n).join('')));
  for (const [key, value] of Object.entries(tags)) {
    terms.add(tagTerm({ key, value: '' }));
    terms.add(tagTerm({ key, value }));
  }
  return [...terms];
}

/**
 * The one term to ask the index for: a key=value tag if there is one (the
 * most selective), else the name prefix, else a tag key.
 */
export function queryTerm(
  namePrefix: string | undefined,
  tags: TagFilter[],
): string | undefined {
  const pair = tags.find((t) => t.value !== '');
  if (pair) return tagTerm(pair);
  if (namePrefix) return nameTerm(namePrefix);
  const key = tags[0];
  return key ? tagTerm(key) : undefined;
}

/** Whether a task matches every filter (those the index did not check). */
export function matches(
  task: { name?: string; tags: Record<string, string> },
  namePrefix: string | undefined,
  tags: TagFilter[],
): boolean {
  if (namePrefix && !(task.name ?? '').startsWith(namePrefix)) return false;
  return tags.every((t) =>
    t.value === ''
      ? Object.hasOwn(task.tags, t.key)
      : task.tags[t.key] === t.value,
  );
}
