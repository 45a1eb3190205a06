import type { Client } from '@temporalio/client';
import { RESCORE_PAGE_SIZE, type RescoreStarter } from '../../modules/scoring/rescoring.js';
import type { RescoreInput } from './rescore-leads.workflow.js';

export function createRescoreStarter(deps: { client: Client; taskQueue: string }): RescoreStarter {
  return {
    async start(tenant, version) {
      const input: RescoreInput = { tenantId: tenant.tenantId, schema: tenant.schema, version, pageSize: RESCORE_PAGE_SIZE };
      // One rescoring per tenant at a time: a newer model replaces the run of an older one.
      await deps.client.workflow.start('rescoreLeadsWorkflow', {
        workflowId: `rescore:${tenant.tenantId}`,
        workflowIdConflictPolicy: 'TERMINATE_EXISTING',
        taskQueue: deps.taskQueue,
        args: [input],
      });
    },
  };
}
