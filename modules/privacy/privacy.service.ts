/**
 * A person's rights over their data: erasure and export, each a request row
 * and a workflow that carries it out. The request rows hold no identifier of
 * the person, nor does the workflow's input: who it is about is sealed apart
 * (request-subjects.ts) until the workflow settles the request.
 */
import { success, type Outcome } from '../../platform/outcome.js';
import { newId } from '../../tenants/api-keys/api-key-secret.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { deletionReceiptOf } from './deletion-receipt.js';
import { parsePersonInput, type PersonInput } from './person-input.js';
import type { PrivacyRequestStarter } from './privacy-request-starter.js';
import type { RequestSubjects } from './request-subjects.js';
import { type DeletionRequestRecord, type ExportRequestRecord } from './privacy-requests.js';
import {
  failDeletionRequest,
  failExportRequest,
  findDeletionRequest,
  findExportRequest,
  insertDeletionRequest,
  insertExportRequest,
  purgeExpiredExports,
} from './privacy.repository.js';

export interface PrivacyService {
  /** Starts the erasure of a person; an unknown person is a request like any other (it still records the suppression). */
  requestDeletion(tenant: TenantDb, input: PersonInput): Promise<Outcome<DeletionRequestRecord>>;
  deletionRequest(tenant: TenantDb, id: string): Promise<DeletionRequestRecord | undefined>;
  /** Starts an export, kept for the tenant's exportRetentionDays; expired exports are purged first (and daily by retention). */
  requestExport(tenant: TenantDb, input: PersonInput): Promise<Outcome<ExportRequestRecord>>;
  exportRequest(tenant: TenantDb, id: string): Promise<ExportRequestRecord | undefined>;
}

const withReceipt = (row: Omit<DeletionRequestRecord, 'receipt'>): DeletionRequestRecord => ({ ...row, receipt: deletionReceiptOf(row) });

/** A request whose workflow cannot be started is failed at once rather than left queued forever. */
async function startOrFail(start: () => Promise<void>, onFailure: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (error) {
    await onFailure().catch(() => undefined);
    throw error;
  }
}

export function createPrivacyService(deps: { requests: PrivacyRequestStarter; subjects: RequestSubjects }): PrivacyService {
  return {
    async requestDeletion(tenant, input) {
      const person = parsePersonInput(input);
      if (!person.ok) return person;
      const request = withReceipt(await insertDeletionRequest(tenant, newId('del')));
      await startOrFail(
        async () => {
          await deps.subjects.keep(tenant.tenantId, request.id, person.value);
          await deps.requests.startDeletion(tenant, request.id);
        },
        () => failDeletionRequest(tenant, request.id, 'the deletion workflow could not be started; request it again'),
      );
      return success(request);
    },

    async deletionRequest(tenant, id) {
      const found = await findDeletionRequest(tenant, id);
      return found === undefined ? undefined : withReceipt(found);
    },

    async requestExport(tenant, input) {
      const person = parsePersonInput(input);
      if (!person.ok) return person;
      await purgeExpiredExports(tenant);
      const request = await insertExportRequest(tenant, newId('exp'));
      await startOrFail(
        async () => {
          await deps.subjects.keep(tenant.tenantId, request.id, person.value);
          await deps.requests.startExport(tenant, request.id);
        },
        () => failExportRequest(tenant, request.id),
      );
      return success(request);
    },

    exportRequest: (tenant, id) => findExportRequest(tenant, id),
  };
}
