/**
 * What retention does to one tenant's stored data, a bounded piece at a time.
 * Events have no index by time (ingestion would pay for it on every insert),
 * so they are walked by their primary key in id ranges; addresses are
 * rewritten through maskIp itself, so stored data agrees with what ingestion
 * stores for the tenant's current ipStorage.
 */
import { maskIp, type IpStorage } from '../../intelligence/ip/mask-ip.js';
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';

/** Ids per statement: a short transaction whatever the table's size. */
export const EVENT_ID_RANGE = 20_000;
const SESSION_PAGE = 2_000;

export interface EventIdBounds {
  readonly first: number;
  readonly last: number;
}

/** The ids events span now (both ends read from the primary key's index); first > last when there are none. */
export async function eventIdBounds(sql: TenantSql): Promise<EventIdBounds> {
  const [row] = await sql.query<{ first: string | null; last: string | null }>('select min(id)::text as first, max(id)::text as last from {t}.events');
  if (row === undefined || row.first === null || row.last === null) return { first: 1, last: 0 };
  return { first: Number(row.first), last: Number(row.last) };
}

export async function deleteExpiredEvents(sql: TenantSql, fromId: number, toId: number, cutoff: Date): Promise<number> {
  const rows = await sql.query<{ n: number }>(
    `with gone as (delete from {t}.events where id >= $1 and id < $2 and at < $3 returning 1) select count(*)::int as n from gone`,
    [fromId, toId, cutoff],
  );
  return rows[0]?.n ?? 0;
}

/** Rewrites `context.ip` of the range's events that ingestion would not store so today; returns how many changed. */
export async function maskEventIps(sql: TenantSql, fromId: number, toId: number, storage: IpStorage): Promise<number> {
  if (storage === 'full') return 0;
  const rows = await sql.query<{ id: string; ip: string }>(
    `select id::text as id, context->>'ip' as ip from {t}.events
      where id >= $1 and id < $2 and jsonb_typeof(context->'ip') = 'string'`,
    [fromId, toId],
  );
  const changed = rows.flatMap((row) => {
    const masked = maskIp(row.ip, storage);
    return masked === row.ip ? [] : [{ id: row.id, ip: masked }];
  });
  if (changed.length === 0) return 0;
  // As prepareMessage stores it: the masked address, or null for none.
  await sql.query(
    `update {t}.events e set context = jsonb_set(e.context, '{ip}', coalesce(to_jsonb(v.ip), 'null'::jsonb))
       from unnest($1::bigint[], $2::text[]) as v(id, ip) where e.id = v.id`,
    [changed.map((c) => c.id), changed.map((c) => c.ip)],
  );
  return changed.length;
}

/** One page of sessions after `after` (by id), their addresses masked as ingestion would store them now; `last` is null at the end. */
export async function maskSessionIps(sql: TenantSql, after: string | null, storage: IpStorage): Promise<{ last: string | null; masked: number }> {
  if (storage === 'full') return { last: null, masked: 0 };
  const rows = await sql.query<{ id: string; ip: string }>(
    `select id, ip from {t}.sessions where ip is not null and ($1::text is null or id > $1) order by id limit $2`,
    [after, SESSION_PAGE],
  );
  const changed = rows.flatMap((row) => {
    const masked = maskIp(row.ip, storage);
    return masked === row.ip ? [] : [{ id: row.id, ip: masked }];
  });
  if (changed.length > 0) {
    await sql.query(`update {t}.sessions s set ip = v.ip from unnest($1::text[], $2::text[]) as v(id, ip) where s.id = v.id`, [
      changed.map((c) => c.id),
      changed.map((c) => c.ip),
    ]);
  }
  return { last: rows.length < SESSION_PAGE ? null : (rows.at(-1)?.id ?? null), masked: changed.length };
}
