/**
 * The deletion workflow's side effects. Every one is safe to run again: a
 * page deletes what is still there and adds what it deleted to the request's
 * counts in the same transaction, suppressions are inserted once by hash, a
 * `lead.deleted` delivery already made is dispatched again rather than made
 * twice (its workflow id makes that harmless).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { sendEvent } from '../../modules/lead-changes/deliver-to-webhooks.js';
import type { Coordination } from '../../platform/coordination/coordination.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { Database } from '../../platform/postgres/database.js';
import { tenantSql, type TenantSql } from '../../platform/postgres/tenant-sql.js';
import { suppressedIdentifiers, type SuppressedIdentifier } from '../../modules/privacy/suppression-hash.js';
import { publishSuppressionsChanged } from '../../modules/privacy/suppression-list.js';
import type { WebhookRegistry } from '../../modules/webhooks/webhook-registry.js';
import { enrichLeadWorkflowId } from '../enrichment/enrichment-dispatch.js';
import type { WebhookDispatcher } from '../../modules/webhooks/webhook-dispatcher.js';
import { ERASURE_PAGE_SIZE, type ErasureStep } from './erasure-steps.js';
import type { HashKeys } from '../../tenants/secrets/hash-keys.js';
import { personAnswerCacheKeys } from '../../modules/privacy/person-cache-keys.js';
import { resolvePerson } from '../../modules/privacy/person-resolution.js';
import { failDeletionRequest, type PersonRequestInput, type TenantRef } from '../../modules/privacy/privacy-requests.js';
import { inTenant } from './activity-guards.js';

export interface DeletePersonDeps {
  readonly db: Database;
  readonly coordination: Coordination;
  /** Stops the enrichment of a lead being erased, so it cannot write the lead's fields back. */
  readonly client: Client;
  readonly webhooks: WebhookRegistry;
  readonly webhookDispatcher: WebhookDispatcher;
  readonly log: Logger;
  /** Keys the suppression hashes and the answer cache's names, as the gateway keys them. */
  readonly hashKeys: HashKeys;
}

export interface ErasureRef extends TenantRef {
  readonly requestId: string;
}

/** What the erasure works from: lead ids and keyed hashes, no identifier of the person. */
export interface ErasurePlan {
  readonly leadIds: string[];
  readonly suppressions: SuppressedIdentifier[];
  readonly cacheKeys: string[];
}

/** `$1`: the lead ids, `$2`: the page size. Each deletes one page of what is still there. */
const PAGES: Readonly<Record<Exclude<ErasureStep, 'leads'>, string>> = {
  consentChanges: `delete from {t}.consent_changes where id in (
      select id from {t}.consent_changes
       where lead_id = any($1)
          or anonymous_id in (select anonymous_id from {t}.identities where lead_id = any($1)
                              union select anonymous_id from {t}.sessions where lead_id = any($1) and anonymous_id is not null)
       limit $2)`,
  // The notifications of this erasure name the lead ids and are kept: they are how downstream systems learn of it.
  webhookDeliveries: `delete from {t}.webhook_deliveries where id in (
      select id from {t}.webhook_deliveries where event_type <> 'lead.deleted' and payload->'data'->>'leadId' = any($1) limit $2)`,
  exports: `delete from {t}.export_requests where id in (
      select r.id from {t}.export_requests r
       where jsonb_typeof(r.document->'leads') = 'array'
         and exists (select 1 from jsonb_array_elements(r.document->'leads') l where l->>'id' = any($1))
       limit $2)`,
  enrichmentCalls: `delete from {t}.enrichment_calls where id in (
      select c.id from {t}.enrichment_calls c join {t}.enrichment_jobs j on j.id = c.job_id where j.lead_id = any($1) limit $2)`,
  enrichmentJobs: `delete from {t}.enrichment_jobs where id in (select id from {t}.enrichment_jobs where lead_id = any($1) limit $2)`,
  leadFields: `delete from {t}.lead_fields where (lead_id, field) in (select lead_id, field from {t}.lead_fields where lead_id = any($1) limit $2)`,
  segmentMemberships: `delete from {t}.segment_memberships where ctid in (select ctid from {t}.segment_memberships where lead_id = any($1) limit $2)`,
  merges: `delete from {t}.merges where id in (select id from {t}.merges where survivor_id = any($1) or absorbed_id = any($1) limit $2)`,
  identityConflicts: `delete from {t}.identity_conflicts where id in (
      select id from {t}.identity_conflicts where lead_id = any($1) or other_lead_id = any($1) limit $2)`,
  events: `delete from {t}.events where id in (select id from {t}.events where lead_id = any($1) limit $2)`,
  sessions: `delete from {t}.sessions where id in (select id from {t}.sessions where lead_id = any($1) limit $2)`,
  identities: `delete from {t}.identities where anonymous_id in (select anonymous_id from {t}.identities where lead_id = any($1) limit $2)`,
};

/** Rows that reference a lead, removed with the leads in one transaction so a late write cannot block the delete. */
const LEAD_DEPENDENTS: ReadonlyArray<readonly [ErasureStep, string]> = [
  ['identities', 'delete from {t}.identities where lead_id = any($1)'],
  ['sessions', 'delete from {t}.sessions where lead_id = any($1)'],
  ['merges', 'delete from {t}.merges where survivor_id = any($1) or absorbed_id = any($1)'],
  ['identityConflicts', 'delete from {t}.identity_conflicts where lead_id = any($1) or other_lead_id = any($1)'],
  ['leadFields', 'delete from {t}.lead_fields where lead_id = any($1)'],
  ['segmentMemberships', 'delete from {t}.segment_memberships where lead_id = any($1)'],
  ['leads', 'delete from {t}.leads where id = any($1)'],
];

const counted = (statement: string) => `with erased as (${statement} returning 1) select count(*)::int as n from erased`;

async function countErased(sql: TenantSql, statement: string, values: Parameters<TenantSql['query']>[1]): Promise<number> {
  return (await sql.query<{ n: number }>(counted(statement), values))[0]?.n ?? 0;
}

async function addToCounts(sql: TenantSql, requestId: string, key: string, n: number): Promise<void> {
  if (n === 0) return;
  await sql.query(
    `update {t}.deletion_requests set erased = jsonb_set(erased, array[$2::text], to_jsonb(coalesce((erased->>$2)::bigint, 0) + $3)) where id = $1`,
    [requestId, key, n],
  );
}

export function createDeletePersonActivities(deps: DeletePersonDeps) {
  const sqlOf = (tenant: TenantRef) => tenantSql(deps.db, tenant.schema);

  return {
    /** False when the request is already settled (a workflow started twice for it does nothing). */
    async startDeletion(input: ErasureRef): Promise<boolean> {
      return inTenant(async () => {
        const started = await sqlOf(input).query(
          `update {t}.deletion_requests set status = 'RUNNING' where id = $1 and status in ('QUEUED', 'RUNNING') returning id`,
          [input.requestId],
        );
        return started.length > 0;
      });
    },

    /** (a) The person's leads, the hashes of their identifiers and the cache keys of their email; nothing is changed. */
    async resolveErasure(input: PersonRequestInput): Promise<ErasurePlan> {
      return inTenant(async () => {
        const sql = sqlOf(input);
        const person = await resolvePerson(sql, input.person);
        return {
          leadIds: person.leadIds,
          suppressions: suppressedIdentifiers(deps.hashKeys, input.tenantId, person),
          cacheKeys: await personAnswerCacheKeys(sql, deps.hashKeys, input.tenantId, person.subjects),
        };
      });
    },

    /** (b) Before anything is erased, so events arriving meanwhile are dropped; every gateway reloads its list on the message. */
    async recordSuppressions(input: ErasureRef & { suppressions: readonly SuppressedIdentifier[] }): Promise<void> {
      if (input.suppressions.length === 0) return;
      await inTenant(async () => {
        await deps.db.transaction(async (tx) => {
          const sql = tenantSql(tx, input.schema);
          const added = await countErased(
            sql,
            `insert into {t}.suppressions (hash, kind) select * from unnest($1::text[], $2::text[]) on conflict (hash) do nothing`,
            [input.suppressions.map((s) => s.hash), input.suppressions.map((s) => s.kind)],
          );
          await addToCounts(sql, input.requestId, 'suppressionsRecorded', added);
          // Rows from before the keyed hash, for the same identifiers: the new rows hold them now, and these could be guessed.
          // (A plan made before the upgrade carries no `replaces`.)
          const replaced = input.suppressions.map((s) => s.replaces).filter((hash): hash is string => typeof hash === 'string');
          await sql.query('delete from {t}.suppressions where hash = any($1) and hash_version = 1', [replaced]);
        });
        await publishSuppressionsChanged(deps.coordination.pubsub, input.tenantId);
      });
    },

    /** An enrichment running for a lead would write its fields back after the erasure: it is ended first. */
    async stopEnrichment(input: ErasureRef & { leadIds: readonly string[] }): Promise<void> {
      await inTenant(async () => {
        const active = await sqlOf(input).query<{ leadId: string }>(
          `select distinct lead_id as "leadId" from {t}.enrichment_jobs where lead_id = any($1) and status in ('QUEUED', 'RUNNING')`,
          [[...input.leadIds]],
        );
        for (const { leadId } of active) {
          try {
            await deps.client.workflow.getHandle(enrichLeadWorkflowId(input.tenantId, leadId)).terminate('the lead is being erased');
          } catch (error) {
            if (!(error instanceof WorkflowNotFoundError)) throw error;
          }
        }
      });
    },

    /** (c) One page of one step; returns how many rows it erased (fewer than a page: the step is done). */
    async erasePage(input: ErasureRef & { step: ErasureStep; leadIds: readonly string[] }): Promise<number> {
      if (input.leadIds.length === 0) return 0;
      const leadIds = [...input.leadIds];
      return inTenant(() =>
        deps.db.transaction(async (tx) => {
          const sql = tenantSql(tx, input.schema);
          if (input.step !== 'leads') {
            const n = await countErased(sql, PAGES[input.step], [leadIds, ERASURE_PAGE_SIZE]);
            await addToCounts(sql, input.requestId, input.step, n);
            return n;
          }
          // Leads merged into the person while the erasure ran go with them.
          const tree = await sql.query<{ id: string }>(
            `with recursive tree as (select id from {t}.leads where id = any($1) union select l.id from {t}.leads l join tree on l.merged_into = tree.id)
             select id from tree`,
            [leadIds],
          );
          const ids = tree.map((row) => row.id);
          let leads = 0;
          for (const [key, statement] of LEAD_DEPENDENTS) {
            const n = await countErased(sql, statement, [ids]);
            await addToCounts(sql, input.requestId, key, n);
            if (key === 'leads') leads = n;
          }
          return leads;
        }),
      );
    },

    /** (d) The short-term answers about the person's email; entries that expired meanwhile are simply not there. */
    async purgeAnswerCache(input: ErasureRef & { keys: readonly string[] }): Promise<void> {
      await inTenant(async () => {
        let found = 0;
        for (const key of input.keys) {
          if ((await deps.coordination.cache.get(key)) !== undefined) found += 1;
          await deps.coordination.cache.delete(key);
        }
        await addToCounts(sqlOf(input), input.requestId, 'cacheEntries', found);
      });
    },

    /**
     * (e) A `lead.deleted` event per erased lead; each delivery's workflow
     * retries until the endpoint acknowledges it. The registry never fails
     * its caller, so whether every lead got its deliveries is checked here,
     * and a lead without them makes the activity try again.
     */
    async notifyDeleted(input: ErasureRef & { leadIds: readonly string[] }): Promise<void> {
      await inTenant(async () => {
        const sql = sqlOf(input);
        const recorded = async () =>
          sql.query<{ id: string; leadId: string }>(
            `select id, payload->'data'->>'leadId' as "leadId" from {t}.webhook_deliveries
              where event_type = 'lead.deleted' and payload->'data'->>'leadId' = any($1)`,
            [[...input.leadIds]],
          );
        const sent = await recorded();
        // Made by an attempt that died before dispatching them.
        if (sent.length > 0) await deps.webhookDispatcher.dispatch(input, sent.map((row) => row.id));
        const notified = new Set(sent.map((row) => row.leadId));
        for (const leadId of input.leadIds) {
          if (!notified.has(leadId)) await sendEvent(deps.webhooks, deps.webhookDispatcher, input, 'lead.deleted', { leadId });
        }
        const subscribed = await sql.query(`select 1 from {t}.webhooks where disabled_at is null and 'lead.deleted' = any(events) limit 1`);
        if (subscribed.length === 0) return;
        const delivered = new Set((await recorded()).map((row) => row.leadId));
        const missing = input.leadIds.filter((leadId) => !delivered.has(leadId)).length;
        if (missing > 0) throw new Error(`lead.deleted was not recorded for ${missing} erased leads`);
      });
    },

    /** (f) */
    async completeDeletion(input: ErasureRef): Promise<void> {
      await inTenant(() =>
        sqlOf(input).query(`update {t}.deletion_requests set status = 'COMPLETED', completed_at = now() where id = $1 and status = 'RUNNING'`, [
          input.requestId,
        ]),
      );
    },

    async failDeletion(input: ErasureRef & { error: string }): Promise<void> {
      deps.log.warn('deletion request failed', { tenantId: input.tenantId, requestId: input.requestId, error: input.error });
      await inTenant(() => failDeletionRequest(sqlOf(input), input.requestId, input.error));
    },
  };
}

export type DeletePersonActivities = ReturnType<typeof createDeletePersonActivities>;
