/**
 * The privacy module's tables (consent_changes, deletion_requests,
 * export_requests, suppressions) and the reads a privacy request makes of
 * the person's rows elsewhere. Erasure's deletes are in erasure.repository.ts.
 */
import { sql, type Selectable } from 'kysely';
import type { IpStorage } from '../../intelligence/ip/mask-ip.js';
import type { TenantRows } from '../../schema/tables/tables.js';
import { quoteTenantSchema } from '../../schema/migrations/migration.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import type { ErasedCounts, RequestStatus } from './privacy-requests.js';
import { RETENTION_COLUMNS } from '../tracking-settings/tracking-settings.repository.js';

// Consent changes

export interface ConsentChangeValues {
  readonly lead_id: string | null;
  readonly anonymous_id: string | null;
  readonly granted: boolean;
  readonly categories: Readonly<Record<string, boolean>>;
  readonly source: string;
  readonly at: Date;
}

const recordset = (changes: readonly ConsentChangeValues[]) => JSON.stringify(changes);

/**
 * Ingestion's consent events, in its batch transaction: one statement for the
 * batch, skipping a decision equal to the lead's latest. Takes the query
 * surface alone, which ingestion's transaction handle also has.
 */
export async function insertConsentEvents(db: Pick<TenantDb, 'query'>, changes: readonly ConsentChangeValues[]): Promise<void> {
  await db.query(
    `insert into {t}.consent_changes (lead_id, anonymous_id, granted, categories, source, at)
     select v.lead_id, v.anonymous_id, v.granted, v.categories, v.source, v.at
       from jsonb_to_recordset($1::jsonb) as v(lead_id text, anonymous_id text, granted boolean, categories jsonb, source text, at timestamptz)
      where not exists (
        select 1 from (select c.granted, c.categories from {t}.consent_changes c where c.lead_id = v.lead_id order by c.at desc, c.id desc limit 1) latest
         where latest.granted = v.granted and latest.categories = v.categories)`,
    [recordset(changes)],
  );
}

const consentColumns = [
  sql<string>`id::text`.as('id'),
  'lead_id as leadId',
  'anonymous_id as anonymousId',
  'granted',
  'categories',
  'source',
  'at',
] as const;

/** Categories are written from `{ category: boolean }` only. */
type StoredCategories = { categories: Record<string, boolean> };

export async function insertConsentChange(db: TenantDb, change: ConsentChangeValues) {
  return db.kysely
    .insertInto('consent_changes')
    .values({ ...change, categories: JSON.stringify(change.categories) })
    .returning(consentColumns)
    .$narrowType<StoredCategories>()
    .executeTakeFirstOrThrow();
}

/** A lead's decisions, newest first: its own, those of leads merged into it, those under its anonymous ids. */
export async function consentChangesOfLead(db: TenantDb, leadId: string, limit: number) {
  return db.kysely
    .selectFrom('consent_changes')
    .select(consentColumns)
    .where((eb) =>
      eb.or([
        eb('lead_id', '=', leadId),
        eb('lead_id', 'in', eb.selectFrom('leads').select('leads.id').where('leads.merged_into', '=', leadId)),
        eb('anonymous_id', 'in', eb.selectFrom('identities').select('identities.anonymous_id').where('identities.lead_id', '=', leadId)),
      ]),
    )
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .$narrowType<StoredCategories>()
    .execute();
}


/** The lead an identifier belongs to, the strongest first (as stitching ranks them). */
export async function leadOfIdentifiers(
  db: TenantDb,
  named: { readonly userId: string | null; readonly email: string | null; readonly anonymousId: string | null },
): Promise<string | null> {
  const [row] = await db.query<Pick<Selectable<TenantRows.Leads>, 'id'>>(
    `select id from (
       select l.id, 1 as rank from {t}.leads l where $1::text is not null and l.user_id = $1 and l.merged_into is null
       union all select l.id, 2 from {t}.leads l where $2::text is not null and lower(l.email) = $2 and l.merged_into is null
       union all select i.lead_id, 3 from {t}.identities i where $3::text is not null and i.anonymous_id = $3
     ) found order by rank limit 1`,
    [named.userId, named.email, named.anonymousId],
  );
  return row?.id ?? null;
}

export async function leadExists(db: TenantDb, leadId: string): Promise<boolean> {
  return (await db.kysely.selectFrom('leads').select('id').where('id', '=', leadId).executeTakeFirst()) !== undefined;
}

// Suppressions

export async function anySuppressed(db: TenantDb, hashes: readonly string[]): Promise<boolean> {
  const row = await db.kysely
    .selectNoFrom((eb) => eb.exists(eb.selectFrom('suppressions').select('hash').where('hash', '=', eb.fn.any(eb.val([...hashes])))).as('any'))
    .executeTakeFirstOrThrow();
  return row.any === true;
}

/**
 * The lock between erasure and ingestion's processor (its key, per tenant):
 * every chunk transaction holds it shared from its opening statement, an
 * erasure's suppression takes it exclusively. So chunks in flight commit
 * before the suppression does (and the erasure's pages, which come after,
 * see what they wrote), and every later chunk reads the suppression.
 */
export function suppressionBarrierKey(schema: string): string {
  return `ingest-suppressions:${quoteTenantSchema(schema).slice(1, -1)}`;
}

/** Waits for the tenant's ingestion chunks in flight, and holds off new ones, until the caller's transaction ends. Its first statement, before any row lock. */
export async function holdIngestion(db: TenantDb): Promise<void> {
  await db.query(`select pg_advisory_xact_lock(hashtextextended($1, 0))`, [suppressionBarrierKey(db.schema)]);
}

/**
 * Whether the tenant has suppressions at all (most have none, and nothing is
 * hashed for them), and version 1 ones (then their hashes are asked too).
 * Both from an index's first entry.
 */
export async function suppressionVersions(db: Pick<TenantDb, 'query'>): Promise<{ any: boolean; legacy: boolean }> {
  const [row] = await db.query<{ any: boolean; legacy: boolean }>(
    `select exists (select 1 from {t}.suppressions) as any, exists (select 1 from {t}.suppressions where hash_version = 1) as legacy`,
  );
  return { any: row?.any === true, legacy: row?.legacy === true };
}

/** Which of the hashes are suppressed, as committed when the statement starts: one statement for a whole chunk. */
export async function suppressedAmong(db: Pick<TenantDb, 'query'>, hashes: readonly string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const rows = await db.query<{ hash: string }>(`select hash from {t}.suppressions where hash = any($1)`, [[...hashes]]);
  return new Set(rows.map((row) => row.hash));
}

export async function suppressionHashRows(db: TenantDb) {
  return db.kysely.selectFrom('suppressions').select(['hash', 'hash_version']).execute();
}

export type SuppressionHashRow = Awaited<ReturnType<typeof suppressionHashRows>>[number];

// Deletion requests

const deletionColumns = ['id', 'status', 'erased', 'error', 'requested_at as requestedAt', 'started_at as startedAt', 'completed_at as completedAt'] as const;
type DeletionTypes = { status: RequestStatus; erased: ErasedCounts };

export async function insertDeletionRequest(db: TenantDb, id: string) {
  return db.kysely.insertInto('deletion_requests').values({ id }).returning(deletionColumns).$narrowType<DeletionTypes>().executeTakeFirstOrThrow();
}

export async function findDeletionRequest(db: TenantDb, id: string) {
  return db.kysely.selectFrom('deletion_requests').select(deletionColumns).where('id', '=', id).$narrowType<DeletionTypes>().executeTakeFirst();
}

/** False when the request is already settled. */
export async function markDeletionRunning(db: TenantDb, id: string): Promise<boolean> {
  const started = await db.kysely
    .updateTable('deletion_requests')
    .set({ status: 'RUNNING', started_at: sql`coalesce(started_at, now())` })
    .where('id', '=', id)
    .where('status', 'in', ['QUEUED', 'RUNNING'])
    .returning('id')
    .executeTakeFirst();
  return started !== undefined;
}

export async function completeDeletionRequest(db: TenantDb, id: string): Promise<void> {
  await db.kysely
    .updateTable('deletion_requests')
    .set({ status: 'COMPLETED', completed_at: sql`now()` })
    .where('id', '=', id)
    .where('status', '=', 'RUNNING')
    .execute();
}

export async function failDeletionRequest(db: TenantDb, id: string, error: string): Promise<void> {
  await db.kysely
    .updateTable('deletion_requests')
    .set({ status: 'FAILED', error: error.slice(0, 2000), completed_at: sql`now()` })
    .where('id', '=', id)
    .where('status', '<>', 'COMPLETED')
    .execute();
}

/** Adds `n` to the request's count of `key`, in the transaction that erased them. */
export async function addToErasedCount(db: TenantDb, id: string, key: string, n: number): Promise<void> {
  if (n === 0) return;
  await db.kysely
    .updateTable('deletion_requests')
    .set({ erased: sql`jsonb_set(erased, array[${key}::text], to_jsonb(coalesce((erased->>${key}::text)::bigint, 0) + ${n}))` })
    .where('id', '=', id)
    .execute();
}

/** Sets the request's count of `key` to `n`: for a count read whole (the deliveries recorded), so a retried step does not add it twice. */
export async function setErasedCount(db: TenantDb, id: string, key: string, n: number): Promise<void> {
  await db.kysely
    .updateTable('deletion_requests')
    .set({ erased: sql`jsonb_set(erased, array[${key}::text], to_jsonb(${n}::bigint))` })
    .where('id', '=', id)
    .execute();
}

// Export requests

const exportColumns = ['id', 'status', 'document', 'requested_at as requestedAt', 'completed_at as completedAt', 'expires_at as expiresAt'] as const;
type ExportTypes = { status: RequestStatus; document: unknown };

/** Expired exports are never served, whether or not they were purged yet. */
export async function findExportRequest(db: TenantDb, id: string) {
  return db.kysely
    .selectFrom('export_requests')
    .select(exportColumns)
    .where('id', '=', id)
    .where('expires_at', '>', sql<Date>`now()`)
    .$narrowType<ExportTypes>()
    .executeTakeFirst();
}

/** Kept for the tenant's `export_retention_days` (retention deletes it then). */
export async function insertExportRequest(db: TenantDb, id: string) {
  return db.kysely
    .insertInto('export_requests')
    .values((eb) => ({ id, expires_at: sql<Date>`now() + make_interval(days => (${eb.selectFrom('settings').select('export_retention_days')}))` }))
    .returning(exportColumns)
    .$narrowType<ExportTypes>()
    .executeTakeFirstOrThrow();
}

export async function purgeExpiredExports(db: TenantDb): Promise<number> {
  const purged = await db.kysely.deleteFrom('export_requests').where('expires_at', '<=', sql<Date>`now()`).executeTakeFirst();
  return Number(purged.numDeletedRows);
}

/** False when the request is settled or expired. */
export async function markExportRunning(db: TenantDb, id: string): Promise<boolean> {
  const started = await db.kysely
    .updateTable('export_requests')
    .set({ status: 'RUNNING' })
    .where('id', '=', id)
    .where('status', 'in', ['QUEUED', 'RUNNING'])
    .where('expires_at', '>', sql<Date>`now()`)
    .returning('id')
    .executeTakeFirst();
  return started !== undefined;
}

export async function failExportRequest(db: TenantDb, id: string): Promise<void> {
  await db.kysely
    .updateTable('export_requests')
    .set({ status: 'FAILED', completed_at: sql`now()` })
    .where('id', '=', id)
    .where('status', '<>', 'COMPLETED')
    .execute();
}

/**
 * Everything held about a person as one JSON document, built by PostgreSQL in
 * the statement that stores it (a person with 50,000 events never passes
 * through the worker's memory). `$2`: the lead ids, `$3`: the anonymous ids.
 * Conflicts with other people are left out: they are about someone else too.
 */
const EXPORT_SECTIONS: ReadonlyArray<readonly [string, string]> = [
  [
    'leads',
    `select l.id, l.email, l.user_id as "userId", l.traits, l.score, l.score_breakdown as "scoreBreakdown", l.merged_into as "mergedInto",
            l.needs_manual_enrichment as "needsManualEnrichment", l.last_enriched_at as "lastEnrichedAt",
            l.first_seen_at as "firstSeenAt", l.created_at as "createdAt", l.updated_at as "updatedAt",
            case when c.id is null then null else jsonb_build_object('domain', c.domain, 'name', c.name) end as company
       from {t}.leads l left join {t}.companies c on c.id = l.company_id where l.id = any($2) order by l.created_at, l.id`,
  ],
  ['identities', `select anonymous_id as "anonymousId", lead_id as "leadId", first_seen_at as "firstSeenAt" from {t}.identities where lead_id = any($2) order by first_seen_at`],
  [
    'sessions',
    `select id, lead_id as "leadId", anonymous_id as "anonymousId", started_at as "startedAt", last_activity_at as "lastActivityAt",
            page_views as "pageViews", event_count as "eventCount", campaign, ip, properties
       from {t}.sessions where lead_id = any($2) order by started_at, id`,
  ],
  [
    'events',
    `select id, message_id as "messageId", type, name, lead_id as "leadId", session_id as "sessionId", anonymous_id as "anonymousId",
            user_id as "userId", at, received_at as "receivedAt", properties, context
       from {t}.events where lead_id = any($2) order by at, id`,
  ],
  [
    'enrichment',
    `select lead_id as "leadId", field, value, confidence, source, verified, supplied, fetched_at as "fetchedAt", expires_at as "expiresAt",
            below_threshold as "belowThreshold", conflicts, edited_by as "editedBy", edit_note as "editNote"
       from {t}.lead_fields where lead_id = any($2) order by lead_id, field`,
  ],
  [
    'enrichmentCalls',
    `select j.lead_id as "leadId", c.job_id as "jobId", c.provider, c.outcome, c.credits, c.reason, c.raw, c.at
       from {t}.enrichment_calls c join {t}.enrichment_jobs j on j.id = c.job_id where j.lead_id = any($2) order by c.at, c.id`,
  ],
  [
    'segmentMemberships',
    `select m.segment_id as "segmentId", s.name as segment, m.lead_id as "leadId", m.entered_at as "enteredAt", m.exited_at as "exitedAt"
       from {t}.segment_memberships m join {t}.segments s on s.id = m.segment_id where m.lead_id = any($2) order by m.entered_at`,
  ],
  [
    'consentChanges',
    `select lead_id as "leadId", anonymous_id as "anonymousId", granted, categories, source, at
       from {t}.consent_changes where lead_id = any($2) or anonymous_id = any($3) order by at, id`,
  ],
  [
    'merges',
    `select id, survivor_id as "survivorId", absorbed_id as "absorbedId", cause, at, undone_at as "undoneAt"
       from {t}.merges where survivor_id = any($2) or absorbed_id = any($2) order by at, id`,
  ],
];

const EXPORT_DOCUMENT = `jsonb_build_object('exportedAt', now(), ${EXPORT_SECTIONS.map(
  ([name, select]) => `'${name}', (select coalesce(jsonb_agg(to_jsonb(x)), '[]'::jsonb) from (${select}) x)`,
).join(', ')})`;

/** Writes the document and completes the request; false when the request was no longer running. */
export async function writeExportDocument(db: TenantDb, requestId: string, leadIds: readonly string[], anonymousIds: readonly string[]): Promise<boolean> {
  const rows = await db.query<Pick<Selectable<TenantRows.ExportRequests>, 'id'>>(
    `update {t}.export_requests set document = ${EXPORT_DOCUMENT}, status = 'COMPLETED', completed_at = now()
      where id = $1 and status = 'RUNNING' returning id`,
    [requestId, leadIds, anonymousIds],
  );
  return rows.length > 0;
}

// The person a request is about, as the tenant's rows know them

/** The lead a request names, or the lead it was merged into. */
export async function rootLeadIds(db: TenantDb, leadId: string): Promise<string[]> {
  const rows = await db.query<Pick<Selectable<TenantRows.Leads>, 'id'>>(
    `with recursive up as (
       select id, merged_into, 0 as depth from {t}.leads where id = $1
       union all
       select l.id, l.merged_into, up.depth + 1 from {t}.leads l join up on l.id = up.merged_into where up.depth < 100
     )
     select id from up where merged_into is null`,
    [leadId],
  );
  return rows.map((row) => row.id);
}

export async function liveLeadIdsWithEmail(db: TenantDb, email: string): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('leads')
    .select('id')
    .where(sql<string>`lower(email)`, '=', sql<string>`lower(${email})`)
    .where('merged_into', 'is', null)
    .execute();
  return rows.map((row) => row.id);
}

/** `traits` is always an object (ingestion merges objects into it). */
export type PersonLeadRow = Pick<Selectable<TenantRows.Leads>, 'id' | 'email' | 'user_id'> & {
  readonly traits: TenantRows.JsonObject;
  readonly company_domain: Selectable<TenantRows.Companies>['domain'] | null;
  readonly last_ip: Selectable<TenantRows.Sessions>['ip'];
};

/** The leads and every lead merged into them, recursively (`union` stops at a cycle). */
export async function leadTreeRows(db: TenantDb, roots: readonly string[]): Promise<PersonLeadRow[]> {
  if (roots.length === 0) return [];
  return db.query<PersonLeadRow>(
    `with recursive tree as (
       select id from {t}.leads where id = any($1)
       union
       select l.id from {t}.leads l join tree on l.merged_into = tree.id
     )
     select l.id, l.email, l.user_id, l.traits, c.domain as company_domain,
            (select s.ip from {t}.sessions s where s.lead_id = l.id and s.ip is not null order by s.started_at desc limit 1) as last_ip
       from {t}.leads l join tree on tree.id = l.id left join {t}.companies c on c.id = l.company_id
      order by l.id`,
    [[...roots]],
  );
}

/** Every anonymous id and user id the leads were seen by, merges' moved ids included. */
export async function identifiersSeenBy(db: TenantDb, leadIds: readonly string[]): Promise<{ anonymousIds: string[]; userIds: string[] }> {
  if (leadIds.length === 0) return { anonymousIds: [], userIds: [] };
  const [row] = await db.query<{ anonymous_ids: string[]; user_ids: string[] }>(
    `select
       array(select anonymous_id from {t}.identities where lead_id = any($1)
             union select anonymous_id from {t}.sessions where lead_id = any($1) and anonymous_id is not null
             union select anonymous_id from {t}.events where lead_id = any($1) and anonymous_id is not null
             union select anonymous_id from {t}.consent_changes where lead_id = any($1) and anonymous_id is not null
             union select jsonb_array_elements_text(moved->'anonymousIds') from {t}.merges
                    where (survivor_id = any($1) or absorbed_id = any($1)) and jsonb_typeof(moved->'anonymousIds') = 'array') as anonymous_ids,
       array(select distinct user_id from {t}.events where lead_id = any($1) and user_id is not null) as user_ids`,
    [[...leadIds]],
  );
  return { anonymousIds: row?.anonymous_ids ?? [], userIds: row?.user_ids ?? [] };
}

/** The tenant's vendors and what they accept, as stored (validated when saved). */
export async function vendorAccepts(db: TenantDb) {
  return db.kysely
    .selectFrom('enrichment_vendors')
    .select(['id', sql<unknown>`config->'accepts'`.as('accepts')])
    .orderBy('id')
    .execute();
}

// Retention's settings

export async function retentionSettings(db: TenantDb) {
  return db.kysely
    .selectFrom('settings')
    .select(RETENTION_COLUMNS)
    .$narrowType<{ ip_storage: IpStorage }>()
    .executeTakeFirst();
}
