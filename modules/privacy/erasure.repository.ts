/**
 * Erasure: the one place that deletes from every tenant table a person is in
 * (and the architecture test allows it no other way). Each page deletes what
 * is still there, at most `limit` rows, and says how many; the caller adds
 * them to the request's counts in the same transaction. Retention's deletes
 * are here too, being erasure by age, with the address rewrites that walk the
 * same rows.
 */
import { sql, type NotNull, type Selectable } from 'kysely';
import type { TenantRows } from '../../schema/tables/tables.js';
import type { TenantDb } from '../../tenants/tenant-db.js';

/** The steps that are paged, each one table (the leads go with their dependents in `eraseLeadTree`). */
export type ErasurePageStep =
  | 'ingestLog'
  | 'consentChanges'
  | 'webhookDeliveries'
  | 'exports'
  | 'enrichmentCalls'
  | 'enrichmentJobs'
  | 'leadFields'
  | 'segmentMemberships'
  | 'merges'
  | 'identityConflicts'
  | 'events'
  | 'sessions'
  | 'identities';

/** `= any($n)` of one array parameter: one statement whatever the number of ids. */
const anyOf = (values: readonly string[]) => sql<string>`any(${[...values]})`;

const deleted = (result: { numDeletedRows: bigint }): number => Number(result.numDeletedRows);

type Page = (db: TenantDb, leadIds: string[], limit: number) => Promise<number>;

// The person's identifiers as the ingestion log's messages carry them, from their leads (before those go).
const PERSON_IDENTIFIERS = `person as (
    select anonymous_id as id, 'a' as kind from {t}.identities where lead_id = any($1)
    union select anonymous_id, 'a' from {t}.sessions where lead_id = any($1) and anonymous_id is not null
    union select user_id, 'u' from {t}.leads where id = any($1) and user_id is not null
    union select lower(email), 'e' from {t}.leads where id = any($1) and email is not null
  )`;
const ABOUT_PERSON = (alias: string) => `exists (select 1 from person p where
    (p.kind = 'a' and ${alias}.message->>'anonymousId' = p.id) or (p.kind = 'u' and ${alias}.message->>'userId' = p.id)
    or (p.kind = 'e' and lower(${alias}.message->>'email') = p.id))`;

/**
 * The person's messages in the ingestion log, processed or waiting (a waiting
 * one would bring them back), and any set aside as dead letters. A scan of
 * the log, which holds a few days at most (INGEST_LOG_RETENTION_DAYS).
 */
async function eraseLoggedMessages(db: TenantDb, ids: string[], limit: number): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `with ${PERSON_IDENTIFIERS},
     doomed as (select l.lane, l.position from {t}.ingest_log l where ${ABOUT_PERSON('l')} limit $2),
     logged as (delete from {t}.ingest_log l using doomed d where l.lane = d.lane and l.position = d.position returning 1),
     dead as (delete from {t}.ingest_dead_letters l where ${ABOUT_PERSON('l')} returning 1)
     select ((select count(*) from logged) + (select count(*) from dead))::int as n`,
    [ids, limit],
  );
  return rows[0]?.n ?? 0;
}

const PAGES: Readonly<Record<ErasurePageStep, Page>> = {
  ingestLog: eraseLoggedMessages,
  consentChanges: async (db, ids, limit) =>
    deleted(
      await db.kysely
        .deleteFrom('consent_changes')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('consent_changes')
            .select('id')
            .where((w) =>
              w.or([
                w('lead_id', '=', anyOf(ids)),
                w(
                  'anonymous_id',
                  'in',
                  w
                    .selectFrom('identities')
                    .select('anonymous_id')
                    .where('lead_id', '=', anyOf(ids))
                    .union(
                      w
                        .selectFrom('sessions')
                        .select('anonymous_id')
                        .where('lead_id', '=', anyOf(ids))
                        .where('anonymous_id', 'is not', null)
                        .$narrowType<{ anonymous_id: NotNull }>(),
                    ),
                ),
              ]),
            )
            .limit(limit),
        )
        .executeTakeFirstOrThrow(),
    ),
  // The notifications of this erasure name the lead ids and are kept: they are how downstream systems learn of it.
  webhookDeliveries: async (db, ids, limit) =>
    deleted(
      await db.kysely
        .deleteFrom('webhook_deliveries')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('webhook_deliveries')
            .select('id')
            .where('event_type', '<>', 'lead.deleted')
            .where(sql<string>`payload->'data'->>'leadId'`, '=', anyOf(ids))
            .limit(limit),
        )
        .executeTakeFirstOrThrow(),
    ),
  exports: async (db, ids, limit) =>
    deleted(
      await db.kysely
        .deleteFrom('export_requests')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('export_requests as r')
            .select('r.id')
            .where(sql<boolean>`jsonb_typeof(r.document->'leads') = 'array'`)
            .where(sql<boolean>`exists (select 1 from jsonb_array_elements(r.document->'leads') l where l->>'id' = ${anyOf(ids)})`)
            .limit(limit),
        )
        .executeTakeFirstOrThrow(),
    ),
  enrichmentCalls: async (db, ids, limit) =>
    deleted(
      await db.kysely
        .deleteFrom('enrichment_calls')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('enrichment_calls as c')
            .innerJoin('enrichment_jobs as j', 'j.id', 'c.job_id')
            .select('c.id')
            .where('j.lead_id', '=', anyOf(ids))
            .limit(limit),
        )
        .executeTakeFirstOrThrow(),
    ),
  enrichmentJobs: async (db, ids, limit) =>
    deleted(
      await db.kysely
        .deleteFrom('enrichment_jobs')
        .where('id', 'in', (eb) => eb.selectFrom('enrichment_jobs').select('id').where('lead_id', '=', anyOf(ids)).limit(limit))
        .executeTakeFirstOrThrow(),
    ),
  leadFields: async (db, ids, limit) =>
    deleted(
      await db.kysely
        .deleteFrom('lead_fields')
        .where((eb) =>
          eb(
            eb.refTuple('lead_id', 'field'),
            'in',
            eb.selectFrom('lead_fields').select(['lead_id', 'field']).where('lead_id', '=', anyOf(ids)).limit(limit).$asTuple('lead_id', 'field'),
          ),
        )
        .executeTakeFirstOrThrow(),
    ),
  // No key of its own to page by: the row's physical address.
  segmentMemberships: async (db, ids, limit) =>
    deleted(
      await db.kysely
        .deleteFrom('segment_memberships')
        .where(sql<string>`ctid`, 'in', (eb) =>
          eb
            .selectFrom('segment_memberships')
            .select(sql<string>`ctid`.as('ctid'))
            .where('lead_id', '=', anyOf(ids))
            .limit(limit),
        )
        .executeTakeFirstOrThrow(),
    ),
  merges: async (db, ids, limit) =>
    deleted(
      await db.kysely
        .deleteFrom('merges')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('merges')
            .select('id')
            .where((w) => w.or([w('survivor_id', '=', anyOf(ids)), w('absorbed_id', '=', anyOf(ids))]))
            .limit(limit),
        )
        .executeTakeFirstOrThrow(),
    ),
  identityConflicts: async (db, ids, limit) =>
    deleted(
      await db.kysely
        .deleteFrom('identity_conflicts')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('identity_conflicts')
            .select('id')
            .where((w) => w.or([w('lead_id', '=', anyOf(ids)), w('other_lead_id', '=', anyOf(ids))]))
            .limit(limit),
        )
        .executeTakeFirstOrThrow(),
    ),
  events: async (db, ids, limit) =>
    deleted(
      await db.kysely
        .deleteFrom('events')
        .where('id', 'in', (eb) => eb.selectFrom('events').select('id').where('lead_id', '=', anyOf(ids)).limit(limit))
        .executeTakeFirstOrThrow(),
    ),
  sessions: async (db, ids, limit) =>
    deleted(
      await db.kysely
        .deleteFrom('sessions')
        .where('id', 'in', (eb) => eb.selectFrom('sessions').select('id').where('lead_id', '=', anyOf(ids)).limit(limit))
        .executeTakeFirstOrThrow(),
    ),
  identities: async (db, ids, limit) =>
    deleted(
      await db.kysely
        .deleteFrom('identities')
        .where('anonymous_id', 'in', (eb) =>
          eb.selectFrom('identities').select('anonymous_id').where('lead_id', '=', anyOf(ids)).limit(limit),
        )
        .executeTakeFirstOrThrow(),
    ),
};

/** One page of one step: how many rows it deleted (fewer than `limit`: the step is done). */
export async function eraseErasurePage(db: TenantDb, step: ErasurePageStep, leadIds: readonly string[], limit: number): Promise<number> {
  return PAGES[step](db, [...leadIds], limit);
}

/** The leads and every lead merged into them meanwhile. */
export async function leadTreeIds(db: TenantDb, leadIds: readonly string[]): Promise<string[]> {
  const rows = await db.query<Pick<Selectable<TenantRows.Leads>, 'id'>>(
    `with recursive tree as (select id from {t}.leads where id = any($1) union select l.id from {t}.leads l join tree on l.merged_into = tree.id)
     select id from tree`,
    [[...leadIds]],
  );
  return rows.map((row) => row.id);
}

export type LeadDependent = 'identities' | 'sessions' | 'merges' | 'identityConflicts' | 'leadFields' | 'segmentMemberships' | 'leads';

/** Rows that reference a lead, then the leads, in the order they must go; run in one transaction so a late write cannot block the delete. */
const LEAD_DEPENDENTS: ReadonlyArray<readonly [LeadDependent, (db: TenantDb, ids: string[]) => Promise<number>]> = [
  ['identities', async (db, ids) => deleted(await db.kysely.deleteFrom('identities').where('lead_id', '=', anyOf(ids)).executeTakeFirstOrThrow())],
  ['sessions', async (db, ids) => deleted(await db.kysely.deleteFrom('sessions').where('lead_id', '=', anyOf(ids)).executeTakeFirstOrThrow())],
  [
    'merges',
    async (db, ids) =>
      deleted(
        await db.kysely
          .deleteFrom('merges')
          .where((w) => w.or([w('survivor_id', '=', anyOf(ids)), w('absorbed_id', '=', anyOf(ids))]))
          .executeTakeFirstOrThrow(),
      ),
  ],
  [
    'identityConflicts',
    async (db, ids) =>
      deleted(
        await db.kysely
          .deleteFrom('identity_conflicts')
          .where((w) => w.or([w('lead_id', '=', anyOf(ids)), w('other_lead_id', '=', anyOf(ids))]))
          .executeTakeFirstOrThrow(),
      ),
  ],
  ['leadFields', async (db, ids) => deleted(await db.kysely.deleteFrom('lead_fields').where('lead_id', '=', anyOf(ids)).executeTakeFirstOrThrow())],
  [
    'segmentMemberships',
    async (db, ids) => deleted(await db.kysely.deleteFrom('segment_memberships').where('lead_id', '=', anyOf(ids)).executeTakeFirstOrThrow()),
  ],
  ['leads', async (db, ids) => deleted(await db.kysely.deleteFrom('leads').where('id', '=', anyOf(ids)).executeTakeFirstOrThrow())],
];

/** Deletes the leads and what references them, in order; `counted` hears each kind's count as it goes. */
export async function eraseLeadsAndDependents(db: TenantDb, leadIds: readonly string[], counted: (kind: LeadDependent, n: number) => Promise<void>): Promise<void> {
  const ids = [...leadIds];
  for (const [kind, erase] of LEAD_DEPENDENTS) await counted(kind, await erase(db, ids));
}

/** New suppressions by hash (each once); how many were new. */
export async function insertSuppressions(db: TenantDb, rows: ReadonlyArray<{ readonly hash: string; readonly kind: string }>): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await db.kysely
    .insertInto('suppressions')
    .values(rows.map(({ hash, kind }) => ({ hash, kind })))
    .onConflict((oc) => oc.column('hash').doNothing())
    .executeTakeFirstOrThrow();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0n);
}

/** Version 1 rows (keyed by the tenant id alone) of identifiers now suppressed under the keyed hash. */
export async function deleteLegacySuppressions(db: TenantDb, hashes: readonly string[]): Promise<void> {
  await db.kysely
    .deleteFrom('suppressions')
    .where('hash', '=', anyOf(hashes))
    .where('hash_version', '=', 1)
    .execute();
}

/** Leads with an enrichment queued or running. */
export async function leadsBeingEnriched(db: TenantDb, leadIds: readonly string[]): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('enrichment_jobs')
    .select('lead_id')
    .distinct()
    .where('lead_id', '=', anyOf(leadIds))
    .where('status', 'in', ['QUEUED', 'RUNNING'])
    .execute();
  return rows.map((row) => row.lead_id);
}

/** The `lead.deleted` deliveries recorded for the leads. */
export async function leadDeletedDeliveries(db: TenantDb, leadIds: readonly string[]) {
  return db.kysely
    .selectFrom('webhook_deliveries')
    .select(['id', sql<string>`payload->'data'->>'leadId'`.as('leadId')])
    .where('event_type', '=', 'lead.deleted')
    .where(sql<string>`payload->'data'->>'leadId'`, '=', anyOf(leadIds))
    .execute();
}

export async function anyWebhookWantsLeadDeleted(db: TenantDb): Promise<boolean> {
  const row = await db.kysely
    .selectFrom('webhooks')
    .select(sql<number>`1`.as('one'))
    .where('disabled_at', 'is', null)
    .where(sql<boolean>`'lead.deleted' = any(events)`)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

// Retention: erasure by age, and stored addresses rewritten as ingestion stores them now

/** The ids events span now (both ends from the primary key's index). */
export async function eventIdRange(db: TenantDb) {
  return db.kysely
    .selectFrom('events')
    .select((eb) => [eb.fn.min<number | null>('id').as('first'), eb.fn.max<number | null>('id').as('last')])
    .executeTakeFirst();
}

export async function deleteEventsBefore(db: TenantDb, fromId: number, toId: number, cutoff: Date): Promise<number> {
  return deleted(
    await db.kysely.deleteFrom('events').where('id', '>=', fromId).where('id', '<', toId).where('at', '<', cutoff).executeTakeFirstOrThrow(),
  );
}

/** The range's events whose `context.ip` is a string. */
export async function eventIpsInRange(db: TenantDb, fromId: number, toId: number) {
  return db.kysely
    .selectFrom('events')
    .select(['id', sql<string>`context->>'ip'`.as('ip')])
    .where('id', '>=', fromId)
    .where('id', '<', toId)
    .where(sql<boolean>`jsonb_typeof(context->'ip') = 'string'`)
    .execute();
}

/** Sets each event's `context.ip` (null: the JSON null), in one statement. */
export async function rewriteEventIps(db: TenantDb, changed: ReadonlyArray<{ readonly id: number; readonly ip: string | null }>): Promise<void> {
  await db.query(
    `update {t}.events e set context = jsonb_set(e.context, '{ip}', coalesce(to_jsonb(v.ip), 'null'::jsonb))
       from unnest($1::bigint[], $2::text[]) as v(id, ip) where e.id = v.id`,
    [changed.map((c) => c.id), changed.map((c) => c.ip)],
  );
}

/** A page of sessions with an address, after `after` by id. */
export async function sessionIpsPage(db: TenantDb, after: string | null, limit: number) {
  return db.kysely
    .selectFrom('sessions')
    .select(['id', 'ip'])
    .where('ip', 'is not', null)
    .$if(after !== null, (qb) => qb.where('id', '>', after ?? ''))
    .orderBy('id')
    .limit(limit)
    .$narrowType<{ ip: NotNull }>()
    .execute();
}

export async function rewriteSessionIps(db: TenantDb, changed: ReadonlyArray<{ readonly id: string; readonly ip: string | null }>): Promise<void> {
  await db.query(`update {t}.sessions s set ip = v.ip from unnest($1::text[], $2::text[]) as v(id, ip) where s.id = v.id`, [
    changed.map((c) => c.id),
    changed.map((c) => c.ip),
  ]);
}
