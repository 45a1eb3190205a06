/**
 * Each tenant's data key: 32 random bytes that encrypt the tenant's workflow
 * payloads (the payload codec), kept sealed by the deployment's master key in
 * `control.tenant_data_keys`. Made on first use; destroyed when the tenant is
 * offboarded, after which nothing encrypted under it can be read again.
 */
import { createSecretKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import type { SecretBox } from './secret-box.js';
import { dataKeyById, dataKeyOfTenant, destroyDataKey, insertDataKey, type DataKeyRow } from './data-keys.repository.js';

const KEY_BYTES = 32;

export interface TenantDataKey {
  readonly id: string;
  readonly tenantId: string;
  readonly key: KeyObject;
}

export interface TenantDataKeys {
  /** The key to encrypt the tenant's payloads with, made on first use; undefined once destroyed. */
  current(tenantId: string): Promise<TenantDataKey | undefined>;
  /** The key a payload names, to decrypt it; undefined when destroyed or unknown. */
  byId(keyId: string): Promise<TenantDataKey | undefined>;
  /** Destroys the tenant's key (and forgets it here); whether a live key was destroyed. */
  destroy(tenantId: string): Promise<boolean>;
}

/** The AAD binds a sealed key to its tenant and id: a row copied to another tenant does not open. */
const dataKeyAad = (tenantId: string, keyId: string): string => `tenant:${tenantId}:data-key:${keyId}`;

export function createTenantDataKeys(deps: {
  control: ControlDb;
  secrets: SecretBox;
  /**
   * How long an opened key is kept in this process. Another process's destroy
   * is seen once it lapses; 0 reads the row every time (the operator's codec endpoint).
   */
  cacheMs: number;
  now: () => number;
}): TenantDataKeys {
  const byKeyId = new Map<string, { key: TenantDataKey; until: number }>();
  const keyIdOfTenant = new Map<string, string>();

  const remember = (key: TenantDataKey): TenantDataKey => {
    if (deps.cacheMs > 0) {
      byKeyId.set(key.id, { key, until: deps.now() + deps.cacheMs });
      keyIdOfTenant.set(key.tenantId, key.id);
    }
    return key;
  };

  const cached = (keyId: string | undefined): TenantDataKey | undefined => {
    const entry = keyId === undefined ? undefined : byKeyId.get(keyId);
    if (entry === undefined || entry.until <= deps.now()) return undefined;
    return entry.key;
  };

  const open = (row: DataKeyRow | undefined): TenantDataKey | undefined => {
    if (row?.sealed == null) return undefined;
    const text = deps.secrets.open(row.sealed, dataKeyAad(row.tenantId, row.id));
    // Sealed under another master key or altered: a configuration fault, not a missing key.
    if (text === undefined) throw new Error(`the data key ${row.id} does not open under this master key`);
    return remember({ id: row.id, tenantId: row.tenantId, key: createSecretKey(Buffer.from(text, 'base64url')) });
  };

  return {
    async current(tenantId) {
      const hit = cached(keyIdOfTenant.get(tenantId));
      if (hit !== undefined) return hit;
      const row = await dataKeyOfTenant(deps.control, tenantId);
      if (row !== undefined) return open(row);
      const id = `dk_${randomUUID()}`;
      const sealed = deps.secrets.seal(randomBytes(KEY_BYTES).toString('base64url'), dataKeyAad(tenantId, id));
      return open(await insertDataKey(deps.control, { id, tenantId, sealed }));
    },

    async byId(keyId) {
      return cached(keyId) ?? open(await dataKeyById(deps.control, keyId));
    },

    async destroy(tenantId) {
      const keyId = keyIdOfTenant.get(tenantId);
      if (keyId !== undefined) byKeyId.delete(keyId);
      keyIdOfTenant.delete(tenantId);
      return destroyDataKey(deps.control, { id: `dk_${randomUUID()}`, tenantId });
    },
  };
}
