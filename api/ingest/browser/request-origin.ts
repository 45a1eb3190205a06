import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** The scheme and host the browser used to reach us (X-Forwarded-Proto only behind a trusted proxy). */
export function requestOrigin(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim() : '';
  const scheme = forwarded || ((req.socket as TLSSocket).encrypted ? 'https' : 'http');
  return `${scheme}://${req.headers.host ?? 'localhost'}`;
}

export function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}
