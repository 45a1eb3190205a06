/** The scoring model for the API: validated with the path of a bad node; a new version is rescored by a workflow. */
import type { Client } from '@temporalio/client';
import { parseScoringModel } from '../../intelligence/scoring/scoring-model.js';
import { failure, success, type Outcome } from '../../platform/outcome.js';
import type { Database } from '../../platform/postgres/database.js';
import { tenantSql } from '../../platform/postgres/tenant-sql.js';
import type { TenantRef } from '../lead-changes/lead-change-pipeline.js';
import { currentScoringModel, saveScoringModel, type ScoringModelVersion } from './scoring-models.js';

export const RESCORE_PAGE_SIZE = 500;

export interface ScoringService {
  model(tenant: TenantRef): Promise<ScoringModelVersion>;
  /** Writes a new version and starts rescoring every lead; the old model stays in force when the new one is invalid. */
  update(tenant: TenantRef, input: unknown): Promise<Outcome<ScoringModelVersion>>;
}

export function createScoringService(deps: { db: Database; client: Client; taskQueue: string }): ScoringService {
  return {
    model: (tenant) => currentScoringModel(tenantSql(deps.db, tenant.schema)),

    async update(tenant, input) {
      const parsed = parseScoringModel(input, ['input']);
      if (!parsed.ok) return failure(parsed.problem);
      const saved = await saveScoringModel(tenantSql(deps.db, tenant.schema), parsed.value);
      // One rescoring per tenant at a time: a newer model replaces the run of an older one.
      await deps.client.workflow.start('rescoreLeadsWorkflow', {
        workflowId: `rescore:${tenant.tenantId}`,
        workflowIdConflictPolicy: 'TERMINATE_EXISTING',
        taskQueue: deps.taskQueue,
        args: [{ tenantId: tenant.tenantId, schema: tenant.schema, version: saved.version, pageSize: RESCORE_PAGE_SIZE }],
      });
      return success(saved);
    },
  };
}
