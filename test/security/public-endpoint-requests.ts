import { request } from 'node:http';

export interface AddressedResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/**
 * A request from a loopback address of the test's choosing (127.0.0.0/8 is
 * all this machine's): the gateway sees another client address, as it would
 * another visitor, with no proxy header to believe or doubt.
 */
export function requestFrom(
  localAddress: string,
  baseUrl: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<AddressedResponse> {
  const url = new URL(baseUrl);
  return new Promise<AddressedResponse>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: opts.method ?? 'GET', localAddress, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A Segment call with the publishable key as the Basic user, from `localAddress`. */
export function segmentFrom(localAddress: string, baseUrl: string, path: string, key: string, body: unknown): Promise<AddressedResponse> {
  return requestFrom(localAddress, baseUrl, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
    body: JSON.stringify(body),
  });
}

const GIF_MAGIC = Buffer.from('GIF89a');
export const isGif = (body: Buffer): boolean => body.subarray(0, 6).equals(GIF_MAGIC);
