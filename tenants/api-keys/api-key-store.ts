import type { ControlDb } from '../../platform/postgres/control-db.js';
import { ApiKeyKind } from '../../schema/entities/control/api-key.entity.js';
import type { Scope } from './scopes.js';
import { generateKey, newId } from './api-key-secret.js';
import { insertApiKeyRow } from '../tenants.repository.js';

export interface NewApiKey {
  readonly tenantId: string;
  readonly kind: ApiKeyKind;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly ipAllowlist: readonly string[];
  readonly allowedOrigins: readonly string[];
}

/** Inserts a key and returns its secret, which exists nowhere else from now on. */
export async function insertApiKey(control: ControlDb, key: NewApiKey): Promise<{ id: string; secret: string }> {
  const generated = generateKey(key.kind);
  const id = newId('key');
  await insertApiKeyRow(control, {
    id,
    tenant_id: key.tenantId,
    kind: key.kind,
    name: key.name,
    prefix: generated.prefix,
    secret_hash: generated.hash,
    scopes: key.kind === ApiKeyKind.PUBLISHABLE ? [] : [...key.scopes],
    ip_allowlist: [...key.ipAllowlist],
    allowed_origins: [...key.allowedOrigins],
  });
  return { id, secret: generated.secret };
}
