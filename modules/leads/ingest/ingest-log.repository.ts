/**
 * The ingestion log's statements: the append (dedupe, positions and rows in
 * one statement), the processor's reads and its cursor, the backlog, the
 * daily partitions' upkeep and the effects outbox. Raw: the append is one
 * round trip whatever the group's size, which is the acknowledgement's speed.
 */
import type { ControlDb } from '../../../platform/postgres/control-db.js';
import { ensureLogPartitionsStatement, LOG_PARTITION_NAME } from '../../../schema/migrations/tenant/ingest-log-partitions.js';
import { quoteTenantSchema } from '../../../schema/migrations/migration.js';
import type { TenantDb } from '../../../tenants/tenant-db.js';
import { suppressionBarrierKey } from '../../privacy/privacy.repository.js';
import type { Lane, LogAppend, LogRow, WriteSource } from './log-entry.js';

export interface Appended {
  /** Position of each message appended now, by messageId; a messageId seen before (ever) is absent. */
  readonly positions: Map<string, number>;
  /** The lane's last position after this append: waiting for it covers every message of the request, duplicates too. */
  readonly head: number;
}

/**
 * Appends the messages whose messageId the tenant never accepted, numbered
 * after the lane's head in their order. The head's row lock is held from the
 * numbering to the commit, so a lane's positions are dense and commit in
 * order: a reader past position p never misses a later commit below it.
 * `entries` must not repeat a messageId (the caller keeps the first).
 * One statement, so atomic without a transaction.
 */
export async function appendToLog(db: TenantDb, lane: Lane, entries: readonly LogAppend[]): Promise<Appended> {
  const json = `[${entries
    .map((e, n) => `{"n":${n},"id":${JSON.stringify(e.messageId)},"source":"${e.source}","ip":${JSON.stringify(e.ip)},"m":${e.messageJson}}`)
    .join(',')}]`;
  const rows = await db.query<{ message_id: string | null; position: string }>(
    `with input as (
       select * from json_to_recordset($1::json) as r(n int, id text, source text, ip text, m json)
     ), fresh as (
       -- Sorted, so two appenders of overlapping ids wait for each other in one order, never in a cycle.
       insert into {t}.message_ids (message_id) select id from input order by id
       on conflict do nothing returning message_id
     ), head as (
       insert into control.ingest_heads as h (tenant_id, lane, appended) values ($2, $3, (select count(*) from fresh))
       on conflict (tenant_id, lane) do update set appended = h.appended + excluded.appended
       returning appended
     ), numbered as (
       select i.id, i.source, i.ip, i.m, row_number() over (order by i.n) as k, count(*) over () as total
         from input i join fresh f on f.message_id = i.id
     ), appended as (
       insert into {t}.ingest_log (lane, position, source, message_id, ip, message)
       select $3, head.appended - numbered.total + numbered.k, numbered.source, numbered.id, numbered.ip, numbered.m
         from numbered cross join head
       returning message_id, position
     )
     select message_id, position::text from appended
     union all
     select null, appended::text from head`,
    [json, db.tenantId, lane],
  );
  const positions = new Map<string, number>();
  let head = 0;
  for (const row of rows) {
    if (row.message_id === null) head = Number(row.position);
    else positions.set(row.message_id, Number(row.position));
  }
  return { positions, head };
}

// ---- The processor's side

/** The two stages of processing: writing the model, then evaluating what it wrote. */
export type Stage = 'model' | 'evaluation';

/**
 * Holds the lane's stage for the transaction: one transaction per tenant,
 * lane and stage at a time over every process. Sent with BEGIN; the cursor is
 * read by the next statement, whose snapshot sees what the previous holder committed.
 */
export const laneLockStatement = (schema: string, lane: Lane, stage: Stage): string =>
  `select pg_advisory_xact_lock(hashtextextended('ingest-lane:${quoteTenantSchema(schema).slice(1, -1)}:${lane}:${stage}', 0)),
          pg_advisory_xact_lock_shared(hashtextextended('${suppressionBarrierKey(schema)}', 0))`;

interface LogChunkRow {
  readonly position: string;
  readonly received_at: Date;
  readonly source: WriteSource;
  readonly ip: string | null;
  readonly message: Record<string, unknown>;
}

/** Up to `limit` log rows after the lane's model cursor, in order. */
export async function readLogChunk(db: TenantDb, lane: Lane, limit: number): Promise<LogRow[]> {
  const rows = await db.query<LogChunkRow>(
    `with cursor as (
       select coalesce((select modeled from control.ingest_model_cursors where tenant_id = $1 and lane = $2), 0) as modeled
     )
     select l.position::text, l.received_at, l.source, l.ip, l.message
       from cursor c
       join lateral (
         select position, received_at, source, ip, message from {t}.ingest_log
          where lane = $2 and position > c.modeled order by position limit $3
       ) l on true
      order by l.position`,
    [db.tenantId, lane, limit],
  );
  return rows.map((row) => ({ position: Number(row.position), receivedAt: row.received_at, source: row.source, ip: row.ip, json: row.message }));
}

/** Moves the lane's model cursor: in the chunk's transaction, with what it wrote and the leads it hands on. */
export async function advanceModelCursor(db: TenantDb, lane: Lane, position: number): Promise<void> {
  await db.query(
    `insert into control.ingest_model_cursors as c (tenant_id, lane, modeled, modeled_at) values ($1, $2, $3, now())
     on conflict (tenant_id, lane) do update set modeled = excluded.modeled, modeled_at = excluded.modeled_at`,
    [db.tenantId, lane, position],
  );
}

/** Moves the lane's processed cursor: in the evaluation's transaction, so its effects and the cursor commit together. */
export async function advanceCursor(db: TenantDb, lane: Lane, position: number): Promise<void> {
  await db.query(
    `insert into control.ingest_cursors as c (tenant_id, lane, processed, processed_at) values ($1, $2, $3, now())
     on conflict (tenant_id, lane) do update set processed = excluded.processed, processed_at = excluded.processed_at`,
    [db.tenantId, lane, position],
  );
}

/** What a model chunk wrote, for the evaluation stage: its leads and those it identified, under the chunk's last position. */
export async function recordTouched(
  db: TenantDb,
  lane: Lane,
  chunk: { readonly position: number; readonly leadIds: readonly string[]; readonly identifiedJson: string; readonly receivedAt: Date },
): Promise<void> {
  await db.query(`insert into {t}.ingest_touched (lane, position, lead_ids, identified, received_at) values ($1, $2, $3, $4::json, $5)`, [
    lane,
    chunk.position,
    [...chunk.leadIds],
    chunk.identifiedJson,
    chunk.receivedAt,
  ]);
}

export interface TouchedChunk {
  readonly position: number;
  readonly leadIds: string[];
  readonly identified: unknown;
  readonly receivedAt: Date;
}

/**
 * The lane's processed cursor and the model chunks after it, in order, until
 * they hold `maxLeads` leads (at least one chunk).
 */
export async function readTouched(db: TenantDb, lane: Lane, maxLeads: number): Promise<{ processed: number; chunks: TouchedChunk[] }> {
  const rows = await db.query<{ processed: string; position: string | null; lead_ids: string[]; identified: unknown; received_at: Date }>(
    `with cursor as (
       select coalesce((select processed from control.ingest_cursors where tenant_id = $1 and lane = $2), 0) as processed
     )
     select c.processed::text, chunks.position::text, chunks.lead_ids, chunks.identified, chunks.received_at
       from cursor c
       left join lateral (
         select * from (
           select t.position, t.lead_ids, t.identified, t.received_at, sum(cardinality(t.lead_ids)) over (order by t.position) as running
             from {t}.ingest_touched t
            where t.lane = $2 and t.position > c.processed
            order by t.position
            limit 1000
         ) running_chunks
         where running - cardinality(lead_ids) < $3
       ) chunks on true
      order by chunks.position`,
    [db.tenantId, lane, maxLeads],
  );
  return {
    processed: Number(rows[0]?.processed ?? 0),
    chunks: rows
      .filter((row) => row.position !== null)
      .map((row) => ({ position: Number(row.position), leadIds: row.lead_ids, identified: row.identified, receivedAt: row.received_at })),
  };
}

/** The chunks the evaluation took, up to `position`: gone with its commit. */
export async function forgetTouched(db: TenantDb, lane: Lane, position: number): Promise<void> {
  await db.query(`delete from {t}.ingest_touched where lane = $1 and position <= $2`, [lane, position]);
}

/** The lane's processed position now (0 before anything was processed). */
export async function processedPosition(db: TenantDb, lane: Lane): Promise<number> {
  const rows = await db.query<{ processed: string }>(`select processed::text from control.ingest_cursors where tenant_id = $1 and lane = $2`, [db.tenantId, lane]);
  return Number(rows[0]?.processed ?? 0);
}

/** A tenant's lane with messages not processed yet. */
export interface LaneBacklog {
  readonly tenantId: string;
  readonly schema: string;
  readonly lane: Lane;
  readonly appended: number;
  /** Written to the model. */
  readonly modeled: number;
  /** Evaluated too: processed. */
  readonly processed: number;
  /** When each stage's cursor last moved (or the lane's first append, before it ever did). */
  readonly modeledAt: Date;
  readonly processedAt: Date;
}

/** Every lane of every active tenant that has a backlog: one read of three small tables. */
export async function lanesWithBacklog(control: ControlDb): Promise<LaneBacklog[]> {
  const rows = await control.query<{
    tenant_id: string;
    schema_name: string;
    lane: Lane;
    appended: string;
    modeled: string;
    processed: string;
    modeled_at: Date;
    processed_at: Date;
  }>(
    `select h.tenant_id, t.schema_name, h.lane, h.appended::text, coalesce(m.modeled, 0)::text as modeled, coalesce(c.processed, 0)::text as processed,
            coalesce(m.modeled_at, h.created_at) as modeled_at, coalesce(c.processed_at, h.created_at) as processed_at
       from control.ingest_heads h
       join control.tenants t on t.id = h.tenant_id and t.status = 'active'
       left join control.ingest_model_cursors m on m.tenant_id = h.tenant_id and m.lane = h.lane
       left join control.ingest_cursors c on c.tenant_id = h.tenant_id and c.lane = h.lane
      where h.appended > coalesce(c.processed, 0)`,
  );
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    schema: r.schema_name,
    lane: r.lane,
    appended: Number(r.appended),
    modeled: Number(r.modeled),
    processed: Number(r.processed),
    modeledAt: r.modeled_at,
    processedAt: r.processed_at,
  }));
}

/** Active tenants whose log some processor moved since `since`. */
export async function tenantsProcessedSince(control: ControlDb, since: Date): Promise<Array<{ tenantId: string; schema: string }>> {
  const rows = await control.query<{ tenant_id: string; schema_name: string }>(
    `select distinct c.tenant_id, t.schema_name from control.ingest_cursors c
       join control.tenants t on t.id = c.tenant_id and t.status = 'active'
      where c.processed_at > $1`,
    [since],
  );
  return rows.map((row) => ({ tenantId: row.tenant_id, schema: row.schema_name }));
}

// ---- Partitions

export async function ensureLogPartitions(db: TenantDb, daysAhead: number): Promise<void> {
  await db.query(ensureLogPartitionsStatement(quoteTenantSchema(db.schema), daysAhead));
}

/**
 * Drops the daily partitions of days before `before` whose every message is
 * processed, and deletes such messages from the default partition; returns
 * the partitions dropped. A partition still holding an unprocessed message stays.
 */
export async function dropProcessedPartitions(db: TenantDb, before: Date): Promise<string[]> {
  const partitions = await db.query<{ name: string }>(
    `select c.relname as name from pg_inherits i
       join pg_class c on c.oid = i.inhrelid
       join pg_class p on p.oid = i.inhparent
       join pg_namespace n on n.oid = p.relnamespace
      where n.nspname = $1 and p.relname = 'ingest_log'`,
    [db.schema],
  );
  const beforeDay = before.toISOString().slice(0, 10).replaceAll('-', '');
  const dropped: string[] = [];
  for (const { name } of partitions) {
    const day = LOG_PARTITION_NAME.exec(name);
    if (day === null || `${day[1]}${day[2]}${day[3]}` >= beforeDay) continue;
    const waiting = await db.query<{ one: number }>(
      `select 1 as one from {t}.${name} l
        where l.position > coalesce((select modeled from control.ingest_model_cursors c where c.tenant_id = $1 and c.lane = l.lane), 0) limit 1`,
      [db.tenantId],
    );
    if (waiting.length > 0) continue;
    await db.query(`drop table {t}.${name}`);
    dropped.push(name);
  }
  await db.query(
    // What is left before `before` after the drops: processed rows of the default partition (pruned to the old days).
    `delete from {t}.ingest_log l
      where l.received_at < $2
        and l.position <= coalesce((select modeled from control.ingest_model_cursors c where c.tenant_id = $1 and c.lane = l.lane), 0)`,
    [db.tenantId, before],
  );
  return dropped;
}

// ---- The effects outbox

export async function recordEffects(db: TenantDb, effectsJson: string): Promise<number> {
  const rows = await db.query<{ id: string }>(`insert into {t}.ingest_effects (effects) values ($1::json) returning id::text`, [effectsJson]);
  return Number(rows[0]?.id);
}

/**
 * Removes told effects. A row a sweeper holds (it found the effects stranded
 * and is telling them too) is left to it: waiting for its transaction would
 * hold up every later tell of the tenant.
 */
export async function forgetEffects(db: TenantDb, id: number): Promise<void> {
  await db.query(`delete from {t}.ingest_effects where id = (select id from {t}.ingest_effects where id = $1 for update skip locked)`, [id]);
}

/**
 * Effects recorded before `before` and still not told (their teller stopped),
 * but for `excluding` (this process's, still queued to be told): the oldest
 * first, each taken by one sweeper.
 */
export async function strandedEffects(db: TenantDb, before: Date, limit: number, excluding: readonly number[] = []): Promise<Array<{ id: number; effects: unknown }>> {
  const rows = await db.query<{ id: string; effects: unknown }>(
    `select id::text, effects from {t}.ingest_effects where created_at < $1 and id <> all($3::bigint[]) order by id limit $2 for update skip locked`,
    [before, limit, excluding],
  );
  return rows.map((row) => ({ id: Number(row.id), effects: row.effects }));
}

// ---- Dead letters

/** Moves a message the processor cannot write out of the lane's way, kept whole with the error (in the transaction that moves the cursor past it). */
export async function recordDeadLetter(db: TenantDb, lane: Lane, row: LogRow, error: string): Promise<void> {
  await db.query(
    `insert into {t}.ingest_dead_letters (lane, position, message_id, received_at, error, message)
     select $1, $2, l.message_id, l.received_at, $3, l.message from {t}.ingest_log l where l.lane = $1 and l.position = $2
     on conflict (lane, position) do nothing`,
    [lane, row.position, error],
  );
}

/** Messages the processor dropped (about erased people): nothing of them is kept, not even in the log. */
export async function deleteLogRows(db: TenantDb, lane: Lane, positions: readonly number[]): Promise<void> {
  if (positions.length === 0) return;
  await db.query(`delete from {t}.ingest_log where lane = $1 and position = any($2::bigint[])`, [lane, [...positions]]);
}
