// Failures' messages and stack traces go into an encoded payload, so the payload codec encrypts them with the rest
// of a tenant's history (a message can quote a vendor's answer). The SDK require()s this file by its path (data-converter.ts).
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
