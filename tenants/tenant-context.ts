import type { EntityManager } from '@mikro-orm/postgresql';
import type { Scope } from './api-keys/scopes.js';
import type { TenantDb } from './tenant-db.js';

/**
 * Everything a request may touch of one tenant. `em` is a fork bound to the
 * tenant's schema: tenant-scoped entities resolve there and nowhere else.
 */
export interface TenantContext {
  readonly tenantId: string;
  readonly schema: string;
  readonly keyId: string;
  readonly scopes: readonly Scope[];
  /** The calling key's own address restriction; empty when it has none. */
  readonly ipAllowlist: readonly string[];
  readonly em: EntityManager;
  /** The tenant's tables, bound to its schema: the handle every service of a request receives. */
  readonly db: TenantDb;
}
