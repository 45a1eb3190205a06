import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { forwardedProto, type TrustProxy } from '../../../platform/http/peer-address.js';

/** The scheme and host the browser used to reach us (X-Forwarded-Proto only from a trusted proxy). */
export function requestOrigin(req: IncomingMessage, trustProxy: TrustProxy): string {
  const scheme = forwardedProto(req, trustProxy) ?? ((req.socket as TLSSocket).encrypted ? 'https' : 'http');
  return `${scheme}://${req.headers.host ?? 'localhost'}`;
}

export function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}
