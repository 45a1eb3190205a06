import { MikroORM } from '@mikro-orm/postgresql';
import type { RootKysely } from '../platform/postgres/database.js';
import { ApiKey } from './entities/control/api-key.entity.js';
import { Tenant } from './entities/control/tenant.entity.js';
import { TenantSettings } from './entities/tenant/tenant-settings.entity.js';

export const entities = [Tenant, ApiKey, TenantSettings];

/**
 * The root EntityManager refuses work (`allowGlobalContext: false`); requests
 * and activities get `em.fork({ schema })` of their tenant, or a plain fork
 * for the control schema. DDL is ours (schema/migrations), not the ORM's.
 */
export async function createOrm(opts: { url: string; kysely: RootKysely; debug?: boolean }): Promise<MikroORM> {
  return MikroORM.init({
    clientUrl: opts.url,
    // The process's one pool (platform/postgres/database.ts): the ORM runs its statements on the same Kysely.
    driverOptions: opts.kysely,
    entities,
    allowGlobalContext: false,
    // An unscoped fork would fall back to this schema, which holds no tenant tables.
    schema: 'public',
    debug: opts.debug ?? false,
    ensureDatabase: false,
  });
}

export type Orm = MikroORM;
