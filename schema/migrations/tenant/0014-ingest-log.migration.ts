import type { TenantMigration } from '../migration.js';
import { ensureLogPartitionsStatement } from './ingest-log-partitions.js';

/**
 * Ingestion acknowledges on a durable append and processes behind it.
 *
 * - `ingest_log`: the validated messages as they were accepted, in order per
 *   lane (0 a visitor's own call, 1 bulk), numbered by `control.ingest_heads`.
 *   Append-only, partitioned by day so a processed day is dropped whole; the
 *   default partition only catches a day whose partition was not made ahead.
 * - `message_ids`: every messageId ever accepted, the exact and permanent
 *   dedupe (events expire, their ids do not), filled from the events already stored.
 * - `ingest_touched`: the leads each chunk wrote (and those it identified),
 *   from the model stage to the evaluation stage, which takes several chunks'
 *   at once (a lead written by three is evaluated once) and removes them.
 * - `ingest_effects`: what a processed chunk must still tell the outside
 *   (subscriptions, webhook workflows, enrichment), written in the chunk's
 *   transaction and removed once told: the outbox.
 * - `ingest_dead_letters`: a message the processor could not write after
 *   its retries, kept whole with the error, so one bad message never stops
 *   the tenant's lane and is never silently lost.
 */
export const ingestLogMigration: TenantMigration = {
  name: '0014-ingest-log',
  up: (s) => [
    `create table ${s}.ingest_log (
       lane smallint not null check (lane in (0, 1)),
       position bigint not null,
       received_at timestamptz not null default now(),
       source text not null check (source in ('public', 'tenant')),
       message_id text not null,
       ip text,
       message json not null
     ) partition by range (received_at)`,
    `create index ingest_log_position_idx on ${s}.ingest_log (lane, position)`,
    `create table ${s}.ingest_log_default partition of ${s}.ingest_log default`,
    ensureLogPartitionsStatement(s, 2),
    `create table ${s}.message_ids (
       message_id text primary key,
       received_at timestamptz not null default now()
     )`,
    `insert into ${s}.message_ids (message_id, received_at) select message_id, received_at from ${s}.events on conflict do nothing`,
    `create table ${s}.ingest_touched (
       lane smallint not null,
       position bigint not null,
       lead_ids text[] not null,
       identified json not null,
       -- The chunk's oldest message: the evaluation's lag is measured from it.
       received_at timestamptz not null,
       primary key (lane, position)
     )`,
    `create table ${s}.ingest_effects (
       id bigint generated always as identity primary key,
       created_at timestamptz not null default now(),
       effects json not null
     )`,
    `create table ${s}.ingest_dead_letters (
       lane smallint not null,
       position bigint not null,
       message_id text not null,
       received_at timestamptz not null,
       failed_at timestamptz not null default now(),
       error text not null,
       message json not null,
       primary key (lane, position)
     )`,
  ],
};
