import type { ControlDb } from '../../platform/postgres/control-db.js';
import { auditEntries, insertAuditRows, type AuditEntryRow } from '../tenants.repository.js';

export interface AuditRecord {
  readonly tenantId: string | null;
  readonly actor: 'admin' | 'key';
  readonly keyId: string | null;
  /** The mutation's field name; arguments are never recorded, so no personal data is. */
  readonly operation: string;
  /** `ok` or the error code the caller received. */
  readonly outcome: string;
}

export type { AuditEntryRow };

export interface AuditLog {
  record(records: readonly AuditRecord[]): Promise<void>;
  list(tenantId: string, opts: { first: number; before?: number }): Promise<AuditEntryRow[]>;
}

export function createAuditLog(deps: { control: ControlDb }): AuditLog {
  return {
    record: (records) =>
      insertAuditRows(
        deps.control,
        records.map((r) => ({ tenant_id: r.tenantId, actor: r.actor, key_id: r.keyId, operation: r.operation, outcome: r.outcome })),
      ),
    list: (tenantId, opts) => auditEntries(deps.control, tenantId, opts),
  };
}
