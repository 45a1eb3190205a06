import { z } from 'zod';
import { failure, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import { parseInput } from '../../platform/validation/parse-input.js';
import { newId } from '../api-keys/api-key-secret.js';
import {
  deletionById,
  deletionOfTenant,
  insertTenantDeletion,
  lockedTenantSchema,
  requeueFailedDeletion,
  type TenantDeletionRow,
} from '../tenants.repository.js';

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

const STATUSES: readonly TenantDeletionStatus[] = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED'];

/** The stored request as the API shows it; `erased` holds counts only, as the offboarding writes them. */
function deletionOf(row: TenantDeletionRow): TenantDeletion {
  const status = STATUSES.find((known) => known === row.status);
  if (status === undefined) throw new Error(`tenant deletion ${row.id} has an unknown status ${row.status}`);
  const erased =
    typeof row.erased === 'object' && row.erased !== null && !Array.isArray(row.erased)
      ? Object.fromEntries(Object.entries(row.erased).filter((entry): entry is [string, number] => typeof entry[1] === 'number'))
      : {};
  return { id: row.id, tenantId: row.tenant_id, status, erased, requestedAt: row.requested_at, completedAt: row.completed_at, error: row.error };
}

export function createTenantOffboarding(deps: {
  control: ControlDb;
  /** Starts (or joins) the tenant's offboarding workflow; idempotent. */
  start: (order: OffboardingOrder) => Promise<void>;
}): TenantOffboarding {
  return {
    async deleteTenant(input) {
      const parsed = parseInput(tenantIdInput, input, ['id']);
      // An id that cannot exist names no tenant.
      if (!parsed.ok) return failure(notFound('Tenant'));
      const tenantId = parsed.value;

      const recorded = await deps.control.transaction(async (tx) => {
        const schema = await lockedTenantSchema(tx, tenantId);
        if (schema === undefined) return undefined;
        await insertTenantDeletion(tx, { id: newId('tdel'), tenantId });
        // The operator's way to retry a failed offboarding is to ask again.
        await requeueFailedDeletion(tx, tenantId);
        const deletion = await deletionOfTenant(tx, tenantId);
        if (deletion === undefined) throw new Error(`tenant deletion of ${tenantId} vanished after insert`);
        return { deletion: deletionOf(deletion), schema };
      });
      if (recorded === undefined) return failure(notFound('Tenant'));

      const { deletion, schema } = recorded;
      if (deletion.status !== 'COMPLETED') await deps.start({ deletionId: deletion.id, tenantId, schema });
      return success(deletion);
    },

    async deletion(id) {
      const row = await deletionById(deps.control, id);
      return row === undefined ? undefined : deletionOf(row);
    },
  };
}
