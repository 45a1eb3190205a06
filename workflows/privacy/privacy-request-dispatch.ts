import type { Client } from '@temporalio/client';
import type { PrivacyRequestStarter } from '../../modules/privacy/privacy-request-starter.js';
import type { PersonRequestInput } from '../../modules/privacy/privacy-requests.js';

export const deletePersonWorkflowId = (tenantId: string, requestId: string): string => `delete:${tenantId}:${requestId}`;
export const exportPersonWorkflowId = (tenantId: string, requestId: string): string => `export:${tenantId}:${requestId}`;

/** Each request its own workflow, `delete:<tenant>:<request>` or `export:<tenant>:<request>`, given the request's id alone. */
export function createPrivacyRequestStarter(deps: { client: Client; taskQueue: string }): PrivacyRequestStarter {
  const start = async (workflow: string, workflowId: string, input: PersonRequestInput) => {
    await deps.client.workflow.start(workflow, { workflowId, taskQueue: deps.taskQueue, args: [input] });
  };
  return {
    startDeletion: (tenant, requestId) =>
      start('deletePersonWorkflow', deletePersonWorkflowId(tenant.tenantId, requestId), { tenantId: tenant.tenantId, schema: tenant.schema, requestId }),
    startExport: (tenant, requestId) =>
      start('exportPersonWorkflow', exportPersonWorkflowId(tenant.tenantId, requestId), { tenantId: tenant.tenantId, schema: tenant.schema, requestId }),
  };
}
