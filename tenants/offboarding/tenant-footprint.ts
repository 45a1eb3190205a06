/**
 * Where a tenant leaves traces outside its schema, by the shapes the code
 * writes them in. A new workflow id or Redis key naming a tenant belongs here,
 * or offboarding leaves it behind.
 */

/** Workflow id kinds that name the tenant right after the colon (`<kind>:<tenant>…`). */
const WORKFLOW_KINDS = [
  // Drivers first, so they cannot start more of the others while those are terminated.
  'reenrich',
  'rescore',
  'segment-windows',
  'retention',
  'enrich-batch',
  'enrich',
  'webhook',
  'delete',
  'export',
] as const;

/** The visibility prefixes to list the tenant's workflows by. */
export const tenantWorkflowPrefixes = (tenantId: string): string[] => WORKFLOW_KINDS.map((kind) => `${kind}:${tenantId}`);

/**
 * The tenant a workflow id names (`<kind>:<tenant>…`; a schedule appends `-<time>`), or undefined for the
 * platform's own workflows. Tenant ids are lowercase letters and digits (they name schemas).
 */
export function tenantOfWorkflow(workflowId: string): string | undefined {
  const match = /^([a-z-]+):([a-z0-9]+)(?![a-z0-9])/.exec(workflowId);
  return match !== null && (WORKFLOW_KINDS as readonly string[]).includes(match[1] ?? '') ? match[2] : undefined;
}

/**
 * Whether a workflow id is the tenant's: its prefix followed by an end or a separator,
 * never by more id characters (another tenant whose id begins with this one's).
 */
export function isTenantWorkflow(workflowId: string, tenantId: string): boolean {
  return tenantWorkflowPrefixes(tenantId).some((prefix) => workflowId.startsWith(prefix) && !/^[a-z0-9]/i.test(workflowId.slice(prefix.length)));
}

/**
 * Coordination keys naming the tenant or one of its API keys: the enrichment
 * answer cache (answer-cache.ts) and the rate limits of
 * the enrichment gate, the GraphQL API (`key:<key id>`, authenticate.ts) and
 * ingestion (`ingest:<key id>`, `ingest:host:<tenant>`, segment.routes.ts) and the
 * per-visitor limits (`ingest-visitor:{<tenant>}:`, visitor-limits.ts).
 * Tenant and key ids have a fixed length, so an exact key is a safe prefix.
 */
export function tenantCoordinationPrefixes(tenantId: string, keyIds: readonly string[]): { cache: string[]; rateLimits: string[] } {
  return {
    // The gate's semaphore leases (`enrich:slot:`, `enrich:flight:`) are not listed: each lapses within its lease
    // (15 s) once the tenant's workflows, their only holders, are terminated.
    cache: [`enrich:answer:${tenantId}:`],
    rateLimits: [`enrich:rate:${tenantId}:`, `ingest:host:${tenantId}`, `ingest-visitor:{${tenantId}}:`, ...keyIds.flatMap((id) => [`key:${id}`, `ingest:${id}`])],
  };
}
