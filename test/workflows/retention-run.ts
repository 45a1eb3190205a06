/** What the retention tests share: a pass run now for one tenant, and SQL on its schema. */
import { randomBytes } from 'node:crypto';
import type { RetentionSummary } from '../../workflows/retention/retention.workflow.js';
import type { TestGateway, TestTenant } from '../support/test-gateway.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

export const daysAgo = (days: number): string => new Date(Date.now() - days * DAY_MS).toISOString();

/** `{t}` is the tenant's schema. */
export const tenantSql =
  (gateway: TestGateway) =>
  <T extends object>(tenant: TestTenant, text: string, values?: readonly (string | number | null)[]): Promise<T[]> =>
    gateway.services.db.query<T>(text.replaceAll('{t}', `"t_${tenant.id}"`), values);

/** One retention pass, as the tenant's schedule starts it, run to its end. */
export const runRetention = (gateway: TestGateway, tenant: TestTenant): Promise<RetentionSummary> =>
  gateway.services.temporalClient.workflow.execute('retentionWorkflow', {
    taskQueue: gateway.config.TEMPORAL_TASK_QUEUE,
    workflowId: `retention:${tenant.id}:test-${randomBytes(4).toString('hex')}`,
    args: [{ tenantId: tenant.id, schema: `t_${tenant.id}` }],
  });
