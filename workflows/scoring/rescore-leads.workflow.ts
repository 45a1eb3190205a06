import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { RescoreActivities } from './rescore-leads.activities.js';

const { rescoreLeadPage } = proxyActivities<RescoreActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface RescoreInput {
  readonly tenantId: string;
  readonly schema: string;
  /** The model version this run applies; a newer one stops it. */
  readonly version: number;
  readonly pageSize: number;
  readonly after?: string | null;
  readonly rescored?: number;
}

const PAGES_PER_RUN = 50;

/**
 * Rescores every lead of a tenant after its scoring model changed, a page at
 * a time (the API keeps answering: each page is one short transaction), and
 * continues as new so the history stays small for any number of leads.
 * Changed scores and memberships are published as any other change.
 */
export async function rescoreLeadsWorkflow(input: RescoreInput): Promise<number> {
  let after = input.after ?? null;
  let rescored = input.rescored ?? 0;
  for (let page = 0; page < PAGES_PER_RUN; page += 1) {
    const result = await rescoreLeadPage({ tenantId: input.tenantId, schema: input.schema, version: input.version, after, limit: input.pageSize });
    rescored += result.rescored;
    if (result.superseded || result.last === null) return rescored;
    after = result.last;
  }
  return continueAsNew<typeof rescoreLeadsWorkflow>({ ...input, after, rescored });
}
