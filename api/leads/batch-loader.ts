/**
 * Collects the keys asked for while one round of GraphQL fields resolves and
 * fetches them with one query; repeated keys are served from the request's cache.
 */
export function createBatchLoader<V>(
  fetch: (keys: readonly string[]) => Promise<ReadonlyMap<string, V>>,
  missing: V,
): (key: string) => Promise<V> {
  const cache = new Map<string, Promise<V>>();
  let pending: Array<{ key: string; resolve: (value: V) => void; reject: (error: unknown) => void }> = [];

  const dispatch = () => {
    const batch = pending;
    pending = [];
    fetch([...new Set(batch.map((entry) => entry.key))]).then(
      (found) => {
        for (const entry of batch) entry.resolve(found.get(entry.key) ?? missing);
      },
      (error: unknown) => {
        for (const entry of batch) entry.reject(error);
      },
    );
  };

  return (key) => {
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const promise = new Promise<V>((resolve, reject) => {
      // Sibling fields of a list resolve within the same turn; setImmediate runs after all of them.
      if (pending.length === 0) setImmediate(dispatch);
      pending.push({ key, resolve, reject });
    });
    cache.set(key, promise);
    return promise;
  };
}
