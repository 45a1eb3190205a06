import type { TenantDatabases } from '../../tenants/tenant-db.js';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Orm } from '../../schema/orm.js';
import type { RateLimiter } from '../../platform/coordination/coordination.js';
import { ApiKeyKind } from '../../schema/entities/control/api-key.entity.js';
import type { KeyResolver } from '../../tenants/api-keys/key-resolver.js';
import { ipAllowed } from '../../tenants/api-keys/network-allowlist.js';
import type { Principal } from './gateway-context.js';
import { requestError } from './errors.js';

export interface Authenticator {
  /**
   * Resolves `Authorization: Bearer …` to a principal, or throws UNAUTHENTICATED / FORBIDDEN / RATE_LIMITED.
   * Counts as one operation against the key's rate.
   */
  authenticate(authorization: string | undefined, peerIp: string): Promise<Principal>;
  /**
   * Counts one more operation of an already authenticated principal (a subscription on an open
   * socket) against the same per-key rate as HTTP requests; throws RATE_LIMITED past it.
   */
  meter(principal: Principal): Promise<void>;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

export function createAuthenticator(deps: {
  adminToken: string;
  keys: KeyResolver;
  orm: Orm;
  tenantDbs: TenantDatabases;
  rateLimiter: RateLimiter;
  ratePerMinute: number;
}): Authenticator {
  const adminDigest = digest(deps.adminToken);

  // The operator's token is not metered: it is the platform's own.
  const meterKey = async (keyId: string): Promise<void> => {
    const decision = await deps.rateLimiter.hit(`key:${keyId}`, deps.ratePerMinute, 60_000);
    if (!decision.allowed) {
      throw requestError(
        'RATE_LIMITED',
        `rate limit of ${deps.ratePerMinute} requests a minute reached`,
        429,
        { retryAfter: decision.retryAfterSeconds },
        { 'retry-after': String(decision.retryAfterSeconds) },
      );
    }
  };

  return {
    async meter(principal) {
      if (principal.kind === 'tenant') await meterKey(principal.tenant.keyId);
    },

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
      await meterKey(key.id);
      return {
        kind: 'tenant',
        tenant: {
          tenantId: key.tenantId,
          schema: key.schema,
          keyId: key.id,
          scopes: key.scopes,
          ipAllowlist: key.ipAllowlist,
          em: deps.orm.em.fork({ schema: key.schema }),
          db: deps.tenantDbs.ofResolved(key),
        },
      };
    },
  };
}
