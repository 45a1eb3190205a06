import DataLoader from 'dataloader';

/**
 * Collects the keys asked for while one round of GraphQL fields resolves and
 * fetches them with one query (DataLoader); repeated keys are served from the
 * request's cache. A key `fetch` does not return gets `missing`.
 */
export function createBatchLoader<V>(
  fetch: (keys: readonly string[]) => Promise<ReadonlyMap<string, V>>,
  missing: V,
): (key: string) => Promise<V> {
  const loader = new DataLoader<string, V>(
    async (keys) => {
      const found = await fetch(keys);
      return keys.map((key) => found.get(key) ?? missing);
    },
    // After the whole turn, not after the current promise jobs: the fields of a list's items resolve
    // over several of those, and a batch cut short would be a query per item.
    { batchScheduleFn: (dispatch) => setImmediate(dispatch) },
  );
  return (key) => loader.load(key);
}
