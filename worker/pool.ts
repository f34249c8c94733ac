/**
 * Bounded parallelism for downloads and uploads: a few at a time, so that
 * a thousand-file folder neither runs one by one nor opens a thousand
 * connections.
 */

/**
 * Calls `fn` on every item, at most `limit` at once. After the first
 * failure, or once `signal` aborts, no further item is started; the ones
 * already running are waited for, and then the first failure is thrown.
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure && !signal?.aborted && next < items.length) {
      const index = next;
      next += 1;
      try {
        await fn(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const lanes = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  if (failure) throw failure.error;
}
