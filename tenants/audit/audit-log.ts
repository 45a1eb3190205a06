import type { Sql } from '../../platform/postgres/database.js';

export interface AuditRecord {
  readonly tenantId: string | null;
  readonly actor: 'admin' | 'key';
  readonly keyId: string | null;
  /** The mutation's field name; arguments are never recorded, so no personal data is. */
  readonly operation: string;
  /** `ok` or the error code the caller received. */
  readonly outcome: string;
}

export interface AuditEntryRow {
  readonly id: number;
  readonly actor: string;
  readonly keyId: string | null;
  readonly operation: string;
  readonly outcome: string;
  readonly at: Date;
}

export interface AuditLog {
  record(records: readonly AuditRecord[]): Promise<void>;
  list(tenantId: string, opts: { first: number; before?: number }): Promise<AuditEntryRow[]>;
}

export function createAuditLog(deps: { sql: Sql }): AuditLog {
  return {
    async record(records) {
      if (records.length === 0) return;
      await deps.sql.query(
        `insert into control.audit_log (tenant_id, actor, key_id, operation, outcome)
         select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])`,
        [
          records.map((r) => r.tenantId) as string[],
          records.map((r) => r.actor),
          records.map((r) => r.keyId) as string[],
          records.map((r) => r.operation),
          records.map((r) => r.outcome),
        ],
      );
    },

    list: (tenantId, opts) =>
      deps.sql.query<AuditEntryRow>(
        `select id, actor, key_id as "keyId", operation, outcome, at
           from control.audit_log
          where tenant_id = $1 and ($2::bigint is null or id < $2)
          order by id desc
          limit $3`,
        [tenantId, opts.before ?? null, opts.first],
      ),
  };
}
