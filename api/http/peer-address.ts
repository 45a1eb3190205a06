import type { IncomingMessage } from 'node:http';

/** The caller's address; X-Forwarded-For is believed only behind a proxy the operator vouches for. */
export function peerAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? '';
}
