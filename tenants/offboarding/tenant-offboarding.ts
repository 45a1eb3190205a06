import { z } from 'zod';
import { failure, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { Database, Sql } from '../../platform/postgres/database.js';
import { parseInput } from '../../platform/validation/parse-input.js';
import { newId } from '../api-keys/api-key-secret.js';

export type TenantDeletionStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED';

/** An operator's request to offboard a tenant (`control.tenant_deletions`); it outlives the tenant's data. */
export interface TenantDeletion {
  readonly id: string;
  readonly tenantId: string;
  readonly status: TenantDeletionStatus;
  /** What was removed, by kind: counts only. */
  readonly erased: Readonly<Record<string, number>>;
  readonly requestedAt: Date;
  readonly completedAt: Date | null;
  readonly error: string | null;
}

/** What the offboarding workflow is started with. */
export interface OffboardingOrder {
  readonly deletionId: string;
  readonly tenantId: string;
  readonly schema: string;
}

export interface TenantOffboarding {
  /**
   * Records the request and starts the offboarding. Asking again returns the same
   * request, and restarts the work unless it completed (a failed or never-started one).
   */
  deleteTenant(tenantId: unknown): Promise<Outcome<TenantDeletion>>;
  deletion(id: string): Promise<TenantDeletion | undefined>;
}

const tenantIdInput = z.string().trim().min(1).max(100);

const COLUMNS = `id, tenant_id as "tenantId", status, erased, requested_at as "requestedAt", completed_at as "completedAt", error`;

export function createTenantOffboarding(deps: {
  db: Database;
  /** Starts (or joins) the tenant's offboarding workflow; idempotent. */
  start: (order: OffboardingOrder) => Promise<void>;
}): TenantOffboarding {
  const byTenant = async (sql: Sql, tenantId: string) =>
    (await sql.query<TenantDeletion>(`select ${COLUMNS} from control.tenant_deletions where tenant_id = $1`, [tenantId]))[0];

  return {
    async deleteTenant(input) {
      const parsed = parseInput(tenantIdInput, input, ['id']);
      // An id that cannot exist names no tenant.
      if (!parsed.ok) return failure(notFound('Tenant'));
      const tenantId = parsed.value;

      const recorded = await deps.db.transaction(async (tx) => {
        const [tenant] = await tx.query<{ schema: string }>(`select schema_name as schema from control.tenants where id = $1 for update`, [tenantId]);
        if (tenant === undefined) return undefined;
        await tx.query(`insert into control.tenant_deletions (id, tenant_id) values ($1, $2) on conflict (tenant_id) do nothing`, [
          newId('tdel'),
          tenantId,
        ]);
        // The operator's way to retry a failed offboarding is to ask again.
        await tx.query(`update control.tenant_deletions set status = 'QUEUED', error = null where tenant_id = $1 and status = 'FAILED'`, [tenantId]);
        const deletion = await byTenant(tx, tenantId);
        if (deletion === undefined) throw new Error(`tenant deletion of ${tenantId} vanished after insert`);
        return { deletion, schema: tenant.schema };
      });
      if (recorded === undefined) return failure(notFound('Tenant'));

      const { deletion, schema } = recorded;
      if (deletion.status !== 'COMPLETED') await deps.start({ deletionId: deletion.id, tenantId, schema });
      return success(deletion);
    },

    async deletion(id) {
      return (await deps.db.query<TenantDeletion>(`select ${COLUMNS} from control.tenant_deletions where id = $1`, [id]))[0];
    },
  };
}
