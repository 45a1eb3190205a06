import type { AsnTable } from '../../intelligence/ip/asn-table.js';
import { loadAsnDataset } from './load-asn-dataset.js';

/**
 * The ASN table, loaded once per process on first use (about 1.5 s and
 * 16 MB of typed arrays), so processes that never look up an IP never pay.
 */
export function lazyAsnTable(load: () => Promise<{ table: AsnTable }> = () => loadAsnDataset()): () => Promise<AsnTable> {
  let loading: Promise<AsnTable> | undefined;
  return () => {
    loading ??= load().then(
      (dataset) => dataset.table,
      (error: unknown) => {
        loading = undefined; // let a later lookup try again
        throw error;
      },
    );
    return loading;
  };
}
