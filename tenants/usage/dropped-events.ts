import type { TenantSql } from '../../platform/postgres/tenant-sql.js';

/**
 * Events dropped before storage, counted per UTC day and never per person: a
 * suppressed (erased) person's, and crawlers'. How many, never whose.
 */
export type DroppedEvents = 'suppressed' | 'bot';

const TABLE: Readonly<Record<DroppedEvents, string>> = { suppressed: 'suppressed_events', bot: 'bot_events' };

/** Adds dropped events to today's count (UTC). */
export async function countDroppedEvents(sql: TenantSql, kind: DroppedEvents, count: number): Promise<void> {
  if (count <= 0) return;
  await sql.query(
    `insert into {t}.${TABLE[kind]} as s (day, count) values ((now() at time zone 'utc')::date, $1)
     on conflict (day) do update set count = s.count + excluded.count`,
    [count],
  );
}

/** Dropped events of the UTC days that overlap `from` (inclusive) to `to` (exclusive): a day is counted whole. */
export async function droppedEventsBetween(sql: TenantSql, kind: DroppedEvents, range: { from?: Date; to?: Date }): Promise<number> {
  const [row] = await sql.query<{ n: number }>(
    `select coalesce(sum(count), 0)::int as n from {t}.${TABLE[kind]}
      where ($1::timestamptz is null or day >= ($1::timestamptz at time zone 'utc')::date)
        and ($2::timestamptz is null or (day::timestamp at time zone 'utc') < $2::timestamptz)`,
    [range.from ?? null, range.to ?? null],
  );
  return row?.n ?? 0;
}
