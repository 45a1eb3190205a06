/** The classic 43-byte 1×1 GIF89a: one palette entry, marked transparent by the graphic control extension. */
export const TRANSPARENT_GIF: Buffer = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

/**
 * Headers for every pixel answer, a tampered one included: never cached, so that each open or
 * view reaches us, loadable from any site or mail client, and nothing naming the server
 * (white-label hosts answer as the tenant's own).
 */
export const TRANSPARENT_GIF_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'image/gif',
  'content-length': String(TRANSPARENT_GIF.length),
  'cache-control': 'no-store, max-age=0',
  'cross-origin-resource-policy': 'cross-origin',
});
