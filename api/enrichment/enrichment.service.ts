/**
 * The API side of enrichment: validates what is asked, creates the jobs and
 * hands them to the workflows; reads jobs, settings and vendors. Every read
 * and write goes through the tenant's schema (tenantSql).
 */
import { randomUUID } from 'node:crypto';
import { subjectOfLead } from '../../intelligence/enrichment/enrichment-subject.js';
import { parseVendorConfig, type VendorConfigOptions } from '../../intelligence/enrichment/vendor-config.js';
import { failure, invalidInput, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { Database } from '../../platform/postgres/database.js';
import { tenantSql, type TenantSql } from '../../platform/postgres/tenant-sql.js';
import {
  readEnrichmentSettings,
  updateEnrichmentSettings,
  type EnrichmentSettings,
} from '../../tenants/enrichment-settings/enrichment-settings.js';
import { vendorSecretAad, type SecretBox } from '../../tenants/secrets/secret-box.js';
import type { EnrichmentDispatcher } from '../../workflows/enrichment/enrichment-dispatch.js';
import { activeJobsFor, failedJobs, findJob, type EnrichmentJobRecord, type JobTrigger } from '../../workflows/enrichment/enrichment-jobs.js';
import type { TenantRef } from '../../workflows/enrichment/enrichment-plan.js';
import { BUILT_IN_PROVIDERS } from '../../workflows/enrichment/provider-catalog.js';

export const MAX_BATCH_LEADS = 1000;
/** Leads remembered as already considered for automatic enrichment, per process, before the memory starts over. */
const MAX_CONSIDERED = 100_000;

export interface ProviderInfo {
  readonly id: string;
  readonly name: string;
  readonly builtIn: boolean;
  readonly priceCredits: number;
  readonly rateLimitPerMinute: number;
  readonly concurrency: number;
  readonly inWaterfall: boolean;
}

/** A configured vendor as the API shows it: never its key, only whether one is held. */
export interface VendorRecord {
  readonly id: string;
  readonly providerId: string;
  readonly config: Record<string, unknown>;
  readonly keyConfigured: boolean;
  readonly updatedAt: Date;
}

export interface EnrichmentService {
  enrichLead(tenant: TenantRef, leadId: string): Promise<Outcome<EnrichmentJobRecord>>;
  enrichLeads(tenant: TenantRef, leadIds: readonly string[]): Promise<Outcome<EnrichmentJobRecord[]>>;
  /**
   * Jobs for leads that just got an email or a company domain and were never
   * enriched, when the tenant enriches automatically. Never fails the caller.
   */
  enrichIdentified(tenant: TenantRef, leadIds: readonly string[]): Promise<void>;
  retryJob(tenant: TenantRef, jobId: string): Promise<Outcome<EnrichmentJobRecord>>;
  job(tenant: TenantRef, id: string): Promise<EnrichmentJobRecord | undefined>;
  failedJobs(tenant: TenantRef, first: number): Promise<EnrichmentJobRecord[]>;
  settings(tenant: TenantRef): Promise<EnrichmentSettings>;
  updateSettings(tenant: TenantRef, input: unknown): Promise<Outcome<EnrichmentSettings>>;
  providers(tenant: TenantRef): Promise<ProviderInfo[]>;
  vendors(tenant: TenantRef): Promise<VendorRecord[]>;
  configureVendor(tenant: TenantRef, input: { config: unknown; apiKey?: string | undefined }): Promise<Outcome<VendorRecord>>;
  removeVendor(tenant: TenantRef, id: string): Promise<Outcome<boolean>>;
}

interface LeadIdentifierRow {
  readonly id: string;
  readonly email: string | null;
  readonly traits: Record<string, unknown>;
  readonly companyDomain: string | null;
  readonly lastIp: string | null;
}

/** `neverEnriched`: only leads no enrichment job has ever been made for. */
async function leadsWithIdentifiers(sql: TenantSql, ids: readonly string[], neverEnriched = false): Promise<Map<string, LeadIdentifierRow>> {
  const rows = await sql.query<LeadIdentifierRow>(
    `select l.id, l.email, l.traits, c.domain as "companyDomain",
            (select s.ip from {t}.sessions s where s.lead_id = l.id and s.ip is not null order by s.started_at desc limit 1) as "lastIp"
       from {t}.leads l left join {t}.companies c on c.id = l.company_id
      where l.id = any($1) and l.merged_into is null
        and (not $2 or (l.last_enriched_at is null and not exists (select 1 from {t}.enrichment_jobs j where j.lead_id = l.id)))`,
    [[...ids], neverEnriched],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

interface VendorRow {
  readonly id: string;
  readonly config: Record<string, unknown>;
  readonly updatedAt: Date;
}

const vendorRecord = (row: VendorRow): VendorRecord => ({ id: row.id, providerId: `vendor:${row.id}`, config: row.config, keyConfigured: true, updatedAt: row.updatedAt });

export function createEnrichmentService(deps: {
  db: Database;
  dispatcher: EnrichmentDispatcher;
  secrets: SecretBox;
  vendorOptions: VendorConfigOptions;
  onError: (error: unknown, context: string) => void;
}): EnrichmentService {
  const sqlOf = (tenant: TenantRef) => tenantSql(deps.db, tenant.schema);
  const considered = new Set<string>();

  /** Unknown leads are NOT_FOUND and leads with nothing to look up BAD_USER_INPUT, each named by its place in `ids`; nothing is created then. */
  async function validLeads(sql: TenantSql, ids: readonly string[], path: (index: number) => (string | number)[]): Promise<Outcome<string[]>> {
    const leads = await leadsWithIdentifiers(sql, ids);
    for (const [index, id] of ids.entries()) {
      const lead = leads.get(id);
      // In a batch, the caller has to learn which id it was.
      if (lead === undefined) return failure(notFound(path(index).length > 1 ? `Lead at ${path(index).join('.')}` : 'Lead'));
      if (subjectOfLead(lead) === undefined) {
        return failure(invalidInput(path(index), 'the lead has no email, company domain or public IP address to look up'));
      }
    }
    return success([...new Set(ids)]);
  }

  async function start(tenant: TenantRef, leadIds: readonly string[], trigger: JobTrigger): Promise<EnrichmentJobRecord[]> {
    const jobs = await activeJobsFor(sqlOf(tenant), leadIds, trigger);
    await deps.dispatcher.dispatch(tenant, jobs);
    return jobs;
  }

  async function vendorRows(sql: TenantSql): Promise<VendorRow[]> {
    return sql.query<VendorRow>('select id, config, updated_at as "updatedAt" from {t}.enrichment_vendors order by id');
  }

  return {
    async enrichLead(tenant, leadId) {
      const valid = await validLeads(sqlOf(tenant), [leadId], () => ['id']);
      if (!valid.ok) return valid;
      const [job] = await start(tenant, valid.value, 'request');
      return job === undefined ? failure(notFound('Lead')) : success(job);
    },

    async enrichLeads(tenant, leadIds) {
      if (leadIds.length > MAX_BATCH_LEADS) return failure(invalidInput(['ids'], `at most ${MAX_BATCH_LEADS} leads a call`));
      const sql = sqlOf(tenant);
      const valid = await validLeads(sql, leadIds, (index) => ['ids', index]);
      if (!valid.ok) return valid;
      const jobs = await activeJobsFor(sql, valid.value, 'batch');
      if (jobs.length > 0) await deps.dispatcher.startBatch(tenant, randomUUID(), jobs.map((job) => job.id));
      const byLead = new Map(jobs.map((job) => [job.leadId, job]));
      return success(leadIds.flatMap((id) => byLead.get(id) ?? []));
    },

    async enrichIdentified(tenant, leadIds) {
      // SDKs identify on every page: a lead considered once in this process is not looked up again.
      const fresh = leadIds.filter((id) => !considered.has(`${tenant.schema}:${id}`));
      if (considered.size + fresh.length > MAX_CONSIDERED) considered.clear();
      for (const id of fresh) considered.add(`${tenant.schema}:${id}`);
      leadIds = fresh;
      try {
        const sql = sqlOf(tenant);
        if (leadIds.length === 0 || !(await readEnrichmentSettings(sql)).autoEnrich) return;
        const leads = await leadsWithIdentifiers(sql, leadIds, true);
        const ready = leadIds.filter((id) => {
          const lead = leads.get(id);
          return lead !== undefined && subjectOfLead(lead) !== undefined;
        });
        await start(tenant, ready, 'identified');
      } catch (error) {
        deps.onError(error, 'automatic enrichment not started');
      }
    },

    async retryJob(tenant, jobId) {
      const sql = sqlOf(tenant);
      const job = await findJob(sql, jobId);
      if (job === undefined) return failure(notFound('EnrichmentJob'));
      if (job.status !== 'FAILED') return failure(invalidInput(['id'], `only a failed job can be retried; this one is ${job.status}`));
      const valid = await validLeads(sql, [job.leadId], () => ['id']);
      if (!valid.ok) return valid;
      const [retried] = await start(tenant, valid.value, 'retry');
      return retried === undefined ? failure(notFound('Lead')) : success(retried);
    },

    job: (tenant, id) => findJob(sqlOf(tenant), id),
    failedJobs: (tenant, first) => failedJobs(sqlOf(tenant), first),
    settings: (tenant) => readEnrichmentSettings(sqlOf(tenant)),

    async updateSettings(tenant, input) {
      const sql = sqlOf(tenant);
      const vendors = await vendorRows(sql);
      const builtIn = Object.keys(BUILT_IN_PROVIDERS);
      return updateEnrichmentSettings(sql, input, { known: [...builtIn, ...vendors.map((v) => `vendor:${v.id}`)], builtIn });
    },

    async providers(tenant) {
      const sql = sqlOf(tenant);
      const settings = await readEnrichmentSettings(sql);
      const builtIn = Object.entries(BUILT_IN_PROVIDERS).map(([id, p]) => ({
        id,
        name: p.name,
        builtIn: true,
        priceCredits: settings.prices[id] ?? p.priceCredits,
        rateLimitPerMinute: p.rateLimitPerMinute,
        concurrency: p.concurrency,
        inWaterfall: settings.waterfall.includes(id),
      }));
      const vendors = (await vendorRows(sql)).flatMap((row) => {
        const parsed = parseVendorConfig(row.config, deps.vendorOptions);
        if (!parsed.ok) return [];
        const id = `vendor:${row.id}`;
        const c = parsed.config;
        return [{ id, name: c.name, builtIn: false, priceCredits: c.priceCredits, rateLimitPerMinute: c.rateLimitPerMinute, concurrency: c.concurrency, inWaterfall: settings.waterfall.includes(id) }];
      });
      return [...builtIn, ...vendors];
    },

    async vendors(tenant) {
      return (await vendorRows(sqlOf(tenant))).map(vendorRecord);
    },

    async configureVendor(tenant, input) {
      const parsed = parseVendorConfig(input.config, deps.vendorOptions);
      if (!parsed.ok) return failure(invalidInput(['input', 'config', ...parsed.path], parsed.message));
      const config = parsed.config;
      const apiKey = input.apiKey?.trim();
      const sealed = apiKey === undefined || apiKey === '' ? null : deps.secrets.seal(apiKey, vendorSecretAad(tenant.tenantId, config.id));
      const sql = sqlOf(tenant);
      // NOT NULL is checked before ON CONFLICT, so a keyless update must carry the held key into the row it proposes.
      const rows = await sql.query<VendorRow>(
        `insert into {t}.enrichment_vendors as v (id, config, sealed_key)
         select $1, $2::jsonb, k.sealed
           from (select coalesce($3::text, (select sealed_key from {t}.enrichment_vendors where id = $1)) as sealed) k
          where k.sealed is not null
         on conflict (id) do update set config = excluded.config, sealed_key = coalesce($3::text, v.sealed_key), updated_at = now()
         returning id, config, updated_at as "updatedAt"`,
        [config.id, JSON.stringify(config), sealed],
      );
      const row = rows[0];
      if (row === undefined) return failure(invalidInput(['input', 'apiKey'], 'a new vendor needs its API key'));
      return success(vendorRecord(row));
    },

    async removeVendor(tenant, id) {
      const sql = sqlOf(tenant);
      const removed = await sql.query('delete from {t}.enrichment_vendors where id = $1 returning id', [id]);
      if (removed.length === 0) return failure(notFound('EnrichmentVendor'));
      await sql.query('update {t}.enrichment_settings set waterfall = array_remove(waterfall, $1), updated_at = now()', [`vendor:${id}`]);
      return success(true);
    },
  };
}
