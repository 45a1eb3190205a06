/**
 * What enrichment reads of other modules' tables (the lead, its company and
 * sessions; the imported companies; the day's enrichment spend in the credit
 * ledger). The lead columns it sets are the leads module's
 * (modules/leads/leads.repository.ts).
 */
import { sql } from 'kysely';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import type { TenantDb } from '../../tenants/tenant-db.js';

// ---- reads of leads, companies and sessions ----

/** The lead as the enrichment workflow plans and links it: its identifiers, its company and why it has it. */
export async function leadForEnrichment(db: TenantDb, leadId: string) {
  return db.kysely
    .selectFrom('leads as l')
    .leftJoin('companies as c', 'c.id', 'l.company_id')
    .select((eb) => [
      'l.email',
      'l.traits',
      'l.merged_into as mergedInto',
      'c.domain as companyDomain',
      'l.company_link as companyLink',
      eb
        .exists(eb.selectFrom('sessions as s').select(sql<number>`1`.as('one')).whereRef('s.lead_id', '=', 'l.id').whereRef('s.company_id', '=', 'l.company_id'))
        .as('companyOnNetwork'),
      eb.selectFrom('sessions as s').select('s.ip').whereRef('s.lead_id', '=', 'l.id').where('s.ip', 'is not', null).orderBy('s.started_at', 'desc').limit(1).as('lastIp'),
    ])
    .where('l.id', '=', leadId)
    .executeTakeFirst();
}

export type LeadForEnrichment = NonNullable<Awaited<ReturnType<typeof leadForEnrichment>>>;

/** Live leads among `ids` with what a subject is made of; `neverEnriched`: only those no job was ever made for. */
export async function leadIdentifiersOf(db: TenantDb, ids: readonly string[], neverEnriched: boolean) {
  let query = db.kysely
    .selectFrom('leads as l')
    .leftJoin('companies as c', 'c.id', 'l.company_id')
    .select((eb) => [
      'l.id',
      'l.email',
      'l.traits',
      'c.domain as companyDomain',
      eb.selectFrom('sessions as s').select('s.ip').whereRef('s.lead_id', '=', 'l.id').where('s.ip', 'is not', null).orderBy('s.started_at', 'desc').limit(1).as('lastIp'),
    ])
    .where('l.id', '=', sql<string>`any(${[...ids]})`)
    .where('l.merged_into', 'is', null);
  if (neverEnriched) {
    query = query
      .where('l.last_enriched_at', 'is', null)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('enrichment_jobs as j').select(sql<number>`1`.as('one')).whereRef('j.lead_id', '=', 'l.id'))));
  }
  return query.execute();
}

/** Of these leads, the live ones never enriched and without any job. */
export async function neverEnrichedLeadIds(db: TenantDb, ids: readonly string[]): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('leads as l')
    .select('l.id')
    .where('l.id', '=', sql<string>`any(${[...ids]})`)
    .where('l.merged_into', 'is', null)
    .where('l.last_enriched_at', 'is', null)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('enrichment_jobs as j').select(sql<number>`1`.as('one')).whereRef('j.lead_id', '=', 'l.id'))))
    .execute();
  return rows.map((row) => row.id);
}

/** Live leads enriched before `before`, highest score first, then the stalest. */
export async function staleLeadIds(db: TenantDb, before: Date, limit: number): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('leads')
    .select('id')
    .where('merged_into', 'is', null)
    .where('last_enriched_at', '<', before)
    .orderBy('score', 'desc')
    .orderBy('last_enriched_at', 'asc')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

/** Other live leads of a company, by id, at most `limit`. */
export async function otherLeadsOfCompany(db: TenantDb, companyId: string, leadId: string, limit: number): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('leads')
    .select('id')
    .where('company_id', '=', companyId)
    .where('id', '<>', leadId)
    .where('merged_into', 'is', null)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

/** Locks a live lead's row against changes of its key (inside a transaction); undefined when there is none. */
export async function lockLiveLead(db: TenantDb, leadId: string) {
  return db.kysely.selectFrom('leads').select('company_id').where('id', '=', leadId).where('merged_into', 'is', null).forNoKeyUpdate().executeTakeFirst();
}

/** A company the tenant imported, by domain. */
export async function importedCompany(db: TenantDb, domain: string) {
  return db.kysely
    .selectFrom('companies')
    .select(['name', 'industry', 'employees', 'revenue', 'country', 'tech_stack as techStack'])
    .where('domain', '=', domain)
    .where('imported_at', 'is not', null)
    .executeTakeFirst();
}

export async function companyDomainAndName(db: TenantDb, id: string) {
  return db.kysely.selectFrom('companies').select(['domain', 'name']).where('id', '=', id).executeTakeFirst();
}

// ---- reads of the credits module's ledger (control.credit_ledger), to move to its repository ----

const ENRICHMENT_OPERATIONS = 'enrichment:%';

/**
 * Serialises a tenant's enrichment reservations under a daily limit: `work`
 * runs in a control transaction holding the tenant's lock, so two jobs
 * cannot both take the last credits of the day.
 */
export async function withDailySpendLock<T>(control: ControlDb, tenantId: string, work: (tx: ControlDb) => Promise<T>): Promise<T> {
  return control.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`enrichment-daily:${tenantId}`]);
    return work(tx);
  });
}

const enrichmentSpend = (control: ControlDb, tenantId: string, dayStart: Date) =>
  control.kysely
    .selectFrom('credit_ledger')
    .where('tenant_id', '=', tenantId)
    .where('created_at', '>=', dayStart)
    .where('operation', 'like', ENRICHMENT_OPERATIONS);

const SPENT = sql<number>`coalesce(-sum(amount), 0)::int`;

/** Credits the tenant's enrichment took since `dayStart`. */
export async function enrichmentSpentSince(control: ControlDb, tenantId: string, dayStart: Date): Promise<number> {
  const row = await enrichmentSpend(control, tenantId, dayStart).select(SPENT.as('spent')).executeTakeFirst();
  return row?.spent ?? 0;
}

/** enrichmentSpentSince, and whether the ledger holds `reserveKey` already (a reservation made before a crash). */
export async function enrichmentSpentAndReserved(control: ControlDb, tenantId: string, dayStart: Date, reserveKey: string): Promise<{ spent: number; reserved: boolean }> {
  const row = await enrichmentSpend(control, tenantId, dayStart)
    .select([SPENT.as('spent'), sql<boolean | null>`bool_or(idempotency_key = ${reserveKey})`.as('reserved')])
    .executeTakeFirst();
  return { spent: row?.spent ?? 0, reserved: row?.reserved === true };
}
