import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { createGunzip, createInflate, createInflateRaw, type Gunzip, type Inflate, type InflateRaw } from 'node:zlib';

/** The content codings a request body may come in (besides identity), as Accept-Encoding lists them. */
export const ACCEPTED_ENCODINGS = 'gzip, deflate';

/** Not an Outcome: callers switch on the HTTP status (413, 415 with Accept-Encoding), which no Problem kind expresses. */
export type DecodedBody =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly status: 400; readonly reason: string }
  | { readonly ok: false; readonly status: 413; readonly reason: string }
  | { readonly ok: false; readonly status: 415; readonly reason: string };

/** What the body is read from: a request, or in tests any stream with headers. */
export type BodySource = Readable & { readonly headers: IncomingHttpHeaders };

type Coding = 'identity' | 'gzip' | 'deflate';

// Deflate's worst case adds a few bytes per 16 KB stored block plus the gzip header and trailer,
// so an incompressible body within the limit still fits; anything larger cannot decode within it.
const wireLimitOf = (limit: number): number => limit + Math.ceil(limit / 16_384) * 5 + 1024;

/** The coding of the body, or the unsupported one named; `x-gzip` is gzip (RFC 9110 §8.4.1.3). */
function codingOf(header: string | string[] | undefined): { coding: Coding } | { unsupported: string } {
  const codings = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return { coding: 'identity' };
  if (codings.length > 1) return { unsupported: codings.join(', ') };
  const [coding] = codings;
  if (coding === 'gzip' || coding === 'x-gzip') return { coding: 'gzip' };
  if (coding === 'deflate') return { coding: 'deflate' };
  return { unsupported: coding ?? '' };
}

/**
 * HTTP's `deflate` is zlib-wrapped (RFC 1950), but some clients send raw deflate;
 * a zlib header is a CMF byte with method 8 whose 16-bit value is a multiple of 31.
 */
function isZlibHeader(first: Buffer): boolean {
  const cmf = first[0];
  const flg = first[1];
  return cmf !== undefined && flg !== undefined && (cmf & 0x0f) === 8 && (cmf * 256 + flg) % 31 === 0;
}

const tooLarge = (limit: number, coding: Coding): DecodedBody => ({
  ok: false,
  status: 413,
  reason: coding === 'identity' ? `body is larger than ${limit} bytes` : `the ${coding} body decompresses to more than ${limit} bytes`,
});

// A refused body is read and dropped up to this much, so its answer still goes out on a
// kept-alive connection; a sender that goes on past it loses the connection instead.
const DRAIN_LIMIT_BYTES = 1024 * 1024;

function drainOrDrop(req: BodySource): void {
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT_BYTES) req.destroy();
  });
  req.resume();
}

/**
 * Reads the request body, decoding `Content-Encoding: gzip | deflate`, and
 * refuses to hold more than `limit` bytes of the DECODED body. Decoded bytes
 * are counted as the decoder produces them and decoding stops the moment the
 * limit is passed, so a small compressed body cannot expand without bound.
 * The rest of a refused body is drained, not buffered, so the answer can be
 * sent on the same connection.
 */
export async function readDecodedBody(req: BodySource, limit: number): Promise<DecodedBody> {
  const encoding = codingOf(req.headers['content-encoding']);
  if ('unsupported' in encoding) {
    drainOrDrop(req);
    return {
      ok: false,
      status: 415,
      reason: `Content-Encoding "${encoding.unsupported}" is not supported: send the body uncompressed, or as gzip or deflate (one coding)`,
    };
  }
  const wireLimit = encoding.coding === 'identity' ? limit : wireLimitOf(limit);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > wireLimit) {
    drainOrDrop(req);
    return tooLarge(limit, encoding.coding);
  }
  return new Promise<DecodedBody>((resolve) => {
    const decoded: Buffer[] = [];
    let decodedSize = 0;
    let wireSize = 0;
    // The first bytes, held until there are enough to tell zlib-wrapped from raw deflate.
    let head = Buffer.alloc(0);
    let decoder: Gunzip | Inflate | InflateRaw | undefined;
    let settled = false;

    const finish = (result: DecodedBody) => {
      if (settled) return;
      settled = true;
      req.off('data', onWire);
      req.off('end', onWireEnd);
      req.off('error', onWireError);
      decoder?.destroy();
      if (!req.readableEnded) drainOrDrop(req);
      resolve(result);
    };

    const onDecoded = (chunk: Buffer) => {
      decodedSize += chunk.length;
      if (decodedSize > limit) return finish(tooLarge(limit, encoding.coding));
      decoded.push(chunk);
    };

    const startDecoder = (first: Buffer): Gunzip | Inflate | InflateRaw => {
      const created = encoding.coding === 'gzip' ? createGunzip() : isZlibHeader(first) ? createInflate() : createInflateRaw();
      created.on('data', onDecoded);
      created.on('end', () => finish({ ok: true, text: Buffer.concat(decoded).toString('utf8') }));
      created.on('error', (error: Error) =>
        finish({ ok: false, status: 400, reason: `the ${encoding.coding} body cannot be decoded: ${error.message}` }),
      );
      // Backpressure: the request waits while the decoder works through what it was given.
      created.on('drain', () => req.resume());
      return created;
    };

    const onWire = (chunk: Buffer) => {
      wireSize += chunk.length;
      if (wireSize > wireLimit) return finish(tooLarge(limit, encoding.coding));
      if (encoding.coding === 'identity') return onDecoded(chunk);
      let input = chunk;
      if (decoder === undefined) {
        head = Buffer.concat([head, chunk]);
        if (head.length < 2) return;
        decoder = startDecoder(head);
        input = head;
      }
      if (!decoder.write(input)) req.pause();
    };

    const onWireEnd = () => {
      if (encoding.coding === 'identity') return finish({ ok: true, text: Buffer.concat(decoded).toString('utf8') });
      // A body too short to start the decoder still goes through it: an empty or one-byte stream is corrupt, and it says so.
      if (decoder === undefined) {
        decoder = startDecoder(head);
        decoder.end(head);
      } else decoder.end();
    };

    const onWireError = (error: Error) => finish({ ok: false, status: 400, reason: `the body could not be read: ${error.message}` });

    req.on('data', onWire);
    req.on('end', onWireEnd);
    req.on('error', onWireError);
  });
}
