// Failures' messages and stack traces go into an encoded payload, so the payload codec encrypts them with the
// rest of a tenant's history (a message can quote a vendor's answer). CommonJS: the SDK require()s this path.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
