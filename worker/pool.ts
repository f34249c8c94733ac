/**
 * Bounded parallelism for downloads and uploads: a few at a time, so that
 * a thousand-file folder neither runs one by one nor opens a thousand
 * connections.
 */

/**
 * Calls `fn` on every item, at most `limit` at once. Rejects with the
 * first failure; items not yet started are then skipped, as they are
 * once `signal` aborts (those already started run to their end).
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && !signal?.aborted && next < items.length) {
      const index = next;
      next += 1;
      try {
        await fn(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const lanes = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: lanes }, lane));
}
