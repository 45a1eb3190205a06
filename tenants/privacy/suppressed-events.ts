import type { TenantSql } from '../../platform/postgres/tenant-sql.js';

/** Adds dropped events to today's count (UTC): how many, never whose. */
export async function countSuppressedEvents(sql: TenantSql, count: number): Promise<void> {
  if (count <= 0) return;
  await sql.query(
    `insert into {t}.suppressed_events as s (day, count) values ((now() at time zone 'utc')::date, $1)
     on conflict (day) do update set count = s.count + excluded.count`,
    [count],
  );
}
