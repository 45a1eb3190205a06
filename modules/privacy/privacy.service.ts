/**
 * A person's rights over their data: erasure and export, each a request row
 * and a workflow that carries it out. The request rows hold no identifier of
 * the person; the workflow input does, for as long as Temporal keeps histories.
 */
import type { Client } from '@temporalio/client';
import { success, type Outcome } from '../../platform/outcome.js';
import type { Database } from '../../platform/postgres/database.js';
import { tenantSql } from '../../platform/postgres/tenant-sql.js';
import { newId } from '../../tenants/api-keys/api-key-secret.js';
import {
  deletePersonWorkflowId,
  exportPersonWorkflowId,
  failDeletionRequest,
  failExportRequest,
  findDeletionRequest,
  findExportRequest,
  insertDeletionRequest,
  insertExportRequest,
  purgeExpiredExports,
  type DeletionRequestRecord,
  type ExportRequestRecord,
  type PersonRequestInput,
  type TenantRef,
} from './privacy-requests.js';
import { parsePersonInput, type PersonInput } from './person-input.js';

export interface PrivacyService {
  /** Starts the erasure of a person; an unknown person is a request like any other (it still records the suppression). */
  requestDeletion(tenant: TenantRef, input: PersonInput): Promise<Outcome<DeletionRequestRecord>>;
  deletionRequest(tenant: TenantRef, id: string): Promise<DeletionRequestRecord | undefined>;
  /** Starts an export; expired exports are purged first, so none outlives its week by more than the next request. */
  requestExport(tenant: TenantRef, input: PersonInput): Promise<Outcome<ExportRequestRecord>>;
  exportRequest(tenant: TenantRef, id: string): Promise<ExportRequestRecord | undefined>;
}

export function createPrivacyService(deps: { db: Database; client: Client; taskQueue: string }): PrivacyService {
  const sqlOf = (tenant: TenantRef) => tenantSql(deps.db, tenant.schema);

  /** A request whose workflow cannot be started is failed at once rather than left queued forever. */
  async function start(workflow: string, workflowId: string, input: PersonRequestInput, onFailure: () => Promise<void>): Promise<void> {
    try {
      await deps.client.workflow.start(workflow, { workflowId, taskQueue: deps.taskQueue, args: [input] });
    } catch (error) {
      await onFailure().catch(() => undefined);
      throw error;
    }
  }

  return {
    async requestDeletion(tenant, input) {
      const person = parsePersonInput(input);
      if (!person.ok) return person;
      const sql = sqlOf(tenant);
      const request = await insertDeletionRequest(sql, newId('del'));
      await start(
        'deletePersonWorkflow',
        deletePersonWorkflowId(tenant.tenantId, request.id),
        { tenantId: tenant.tenantId, schema: tenant.schema, requestId: request.id, person: person.value },
        () => failDeletionRequest(sql, request.id, 'the deletion workflow could not be started; request it again'),
      );
      return success(request);
    },

    deletionRequest: (tenant, id) => findDeletionRequest(sqlOf(tenant), id),

    async requestExport(tenant, input) {
      const person = parsePersonInput(input);
      if (!person.ok) return person;
      const sql = sqlOf(tenant);
      await purgeExpiredExports(sql);
      const request = await insertExportRequest(sql, newId('exp'));
      await start(
        'exportPersonWorkflow',
        exportPersonWorkflowId(tenant.tenantId, request.id),
        { tenantId: tenant.tenantId, schema: tenant.schema, requestId: request.id, person: person.value },
        () => failExportRequest(sql, request.id),
      );
      return success(request);
    },

    exportRequest: (tenant, id) => findExportRequest(sqlOf(tenant), id),
  };
}
