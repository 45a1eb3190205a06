import type { Sql } from '../../platform/postgres/database.js';
import { ApiKeyKind } from '../../schema/entities/control/api-key.entity.js';
import type { Scope } from './scopes.js';
import { generateKey, newId } from './api-key-secret.js';

export interface NewApiKey {
  readonly tenantId: string;
  readonly kind: ApiKeyKind;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly ipAllowlist: readonly string[];
  readonly allowedOrigins: readonly string[];
}

/** Inserts a key and returns its secret, which exists nowhere else from now on. */
export async function insertApiKey(sql: Sql, key: NewApiKey): Promise<{ id: string; secret: string }> {
  const generated = generateKey(key.kind);
  const id = newId('key');
  await sql.query(
    `insert into control.api_keys (id, tenant_id, kind, name, prefix, secret_hash, scopes, ip_allowlist, allowed_origins)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      id,
      key.tenantId,
      key.kind,
      key.name,
      generated.prefix,
      generated.hash,
      key.kind === ApiKeyKind.PUBLISHABLE ? [] : key.scopes,
      key.ipAllowlist,
      key.allowedOrigins,
    ],
  );
  return { id, secret: generated.secret };
}
