import { timingSafeEqual, createHash } from 'node:crypto';
import type { Orm } from '../../schema/orm.js';
import type { RateLimiter } from '../../platform/coordination/coordination.js';
import { ApiKeyKind } from '../../schema/entities/control/api-key.entity.js';
import type { KeyResolver } from '../../tenants/api-keys/key-resolver.js';
import { ipAllowed } from '../../tenants/api-keys/network-allowlist.js';
import type { Principal } from './gateway-context.js';
import { requestError } from './errors.js';

export interface Authenticator {
  /** Resolves `Authorization: Bearer …` to a principal, or throws UNAUTHENTICATED / FORBIDDEN / RATE_LIMITED. */
  authenticate(authorization: string | undefined, peerIp: string): Promise<Principal>;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

export function createAuthenticator(deps: {
  adminToken: string;
  keys: KeyResolver;
  orm: Orm;
  rateLimiter: RateLimiter;
  ratePerMinute: number;
}): Authenticator {
  const adminDigest = digest(deps.adminToken);

  return {
    async authenticate(authorization, peerIp) {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
      if (token === undefined) {
        throw requestError('UNAUTHENTICATED', 'send Authorization: Bearer <secret key>', 401);
      }
      // Compare digests so neither the length nor the content of the token leaks through timing.
      if (timingSafeEqual(digest(token), adminDigest)) return { kind: 'admin' };

      const key = token.startsWith('sk_') ? await deps.keys.resolve(token) : undefined;
      if (key === undefined || key.kind !== ApiKeyKind.SECRET) {
        throw requestError('UNAUTHENTICATED', 'unknown, revoked or publishable key; the API needs a secret key', 401);
      }
      if (!ipAllowed(key.ipBlockList, peerIp)) {
        throw requestError('FORBIDDEN', 'this key may not be used from this address', 403);
      }
      const decision = await deps.rateLimiter.hit(`key:${key.id}`, deps.ratePerMinute, 60_000);
      if (!decision.allowed) {
        throw requestError(
          'RATE_LIMITED',
          `rate limit of ${deps.ratePerMinute} requests a minute reached`,
          429,
          { retryAfter: decision.retryAfterSeconds },
          { 'retry-after': String(decision.retryAfterSeconds) },
        );
      }
      return {
        kind: 'tenant',
        tenant: {
          tenantId: key.tenantId,
          schema: key.schema,
          keyId: key.id,
          scopes: key.scopes,
          ipAllowlist: key.ipAllowlist,
          em: deps.orm.em.fork({ schema: key.schema }),
        },
      };
    },
  };
}
