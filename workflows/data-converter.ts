import { fileURLToPath } from 'node:url';
import type { DataConverter, PayloadCodec } from '@temporalio/common';

/** The client's and the worker's data converter: tenants' payloads and failure messages through the codec. */
export function dataConverterWith(codec: PayloadCodec): DataConverter {
  return { payloadCodecs: [codec], failureConverterPath: fileURLToPath(new URL('./failure-converter.ts', import.meta.url)) };
}
