import type { ControlMigration } from '../migration.js';

/**
 * Where each tenant's ingestion log stands, per lane (0 a visitor's own call,
 * 1 bulk): `ingest_heads.appended` is the last position given out (the append
 * takes it under the row's lock, so positions are dense and in commit order);
 * `ingest_model_cursors.modeled` the last position whose messages are written
 * to the model (stitching, sessions, companies, leads); `ingest_cursors.processed`
 * the last position whose evaluation (scores, segments, webhooks, effects) is
 * committed: processed, for read-your-writes and the backlog. A table each,
 * so an append never waits for a processing transaction's lock, nor the two
 * stages for each other's.
 */
export const ingestPositionsMigration: ControlMigration = {
  name: '0010-ingest-positions',
  up: () => [
    `create table control.ingest_heads (
       tenant_id text not null references control.tenants (id) on delete cascade,
       lane smallint not null check (lane in (0, 1)),
       appended bigint not null default 0,
       created_at timestamptz not null default now(),
       primary key (tenant_id, lane)
     )`,
    `create table control.ingest_model_cursors (
       tenant_id text not null references control.tenants (id) on delete cascade,
       lane smallint not null check (lane in (0, 1)),
       modeled bigint not null default 0,
       modeled_at timestamptz not null default now(),
       primary key (tenant_id, lane)
     )`,
    `create table control.ingest_cursors (
       tenant_id text not null references control.tenants (id) on delete cascade,
       lane smallint not null check (lane in (0, 1)),
       processed bigint not null default 0,
       processed_at timestamptz not null default now(),
       primary key (tenant_id, lane)
     )`,
  ],
};
