/** What a secret key may do. A publishable key has none: it can only ingest. */
export const SCOPES = [
  'tenant:read',
  'tenant:write',
  'usage:read',
  'keys:manage',
  'audit:read',
  'leads:read',
  'leads:write',
  'enrich',
  'segments:write',
  'scoring:write',
  'webhooks:manage',
  'privacy',
] as const;

export type Scope = (typeof SCOPES)[number];

export const isScope = (value: string): value is Scope => (SCOPES as readonly string[]).includes(value);
