/**
 * What retention does to one tenant's stored data, a bounded piece at a time.
 * Events have no index by time (ingestion would pay for it on every insert),
 * so they are walked by their primary key in id ranges; addresses are
 * rewritten through maskIp itself, so stored data agrees with what ingestion
 * stores for the tenant's current ipStorage.
 */
import { maskIp, type IpStorage } from '../../intelligence/ip/mask-ip.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { deleteEventsBefore, eventIdRange, eventIpsInRange, rewriteEventIps, rewriteSessionIps, sessionIpsPage } from './erasure.repository.js';
import type { retentionSettings } from './privacy.repository.js';
import { expireStorePage, type ExpiredPage, type PersonalStore } from './retention.repository.js';

export type { PersonalStore } from './retention.repository.js';

/** Ids per statement: a short transaction whatever the table's size. */
export const EVENT_ID_RANGE = 20_000;
const SESSION_PAGE = 2_000;

export interface EventIdBounds {
  readonly first: number;
  readonly last: number;
}

/** The ids events span now; first > last when there are none. */
export async function eventIdBounds(db: TenantDb): Promise<EventIdBounds> {
  const row = await eventIdRange(db);
  if (row === undefined || row.first === null || row.last === null) return { first: 1, last: 0 };
  return { first: Number(row.first), last: Number(row.last) };
}

export async function deleteExpiredEvents(db: TenantDb, fromId: number, toId: number, cutoff: Date): Promise<number> {
  return deleteEventsBefore(db, fromId, toId, cutoff);
}

/** The rows whose address ingestion would not store so today, with the address it would store. */
function remasked<Id>(rows: ReadonlyArray<{ readonly id: Id; readonly ip: string }>, storage: IpStorage): Array<{ id: Id; ip: string | null }> {
  return rows.flatMap((row) => {
    const masked = maskIp(row.ip, storage);
    return masked === row.ip ? [] : [{ id: row.id, ip: masked }];
  });
}

/** Rewrites `context.ip` of the range's events that ingestion would not store so today; returns how many changed. */
export async function maskEventIps(db: TenantDb, fromId: number, toId: number, storage: IpStorage): Promise<number> {
  if (storage === 'full') return 0;
  const changed = remasked(await eventIpsInRange(db, fromId, toId), storage);
  // As prepareMessage stores it: the masked address, or null for none.
  if (changed.length > 0) await rewriteEventIps(db, changed);
  return changed.length;
}

/** One page of sessions after `after` (by id), their addresses masked as ingestion would store them now; `last` is null at the end. */
export async function maskSessionIps(db: TenantDb, after: string | null, storage: IpStorage): Promise<{ last: string | null; masked: number }> {
  if (storage === 'full') return { last: null, masked: 0 };
  const rows = await sessionIpsPage(db, after, SESSION_PAGE);
  const changed = remasked(rows, storage);
  if (changed.length > 0) await rewriteSessionIps(db, changed);
  return { last: rows.length < SESSION_PAGE ? null : (rows.at(-1)?.id ?? null), masked: changed.length };
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Rows per statement in the other stores: a short transaction each. */
export const STORE_PAGE = 1_000;

export type RetentionSettings = NonNullable<Awaited<ReturnType<typeof retentionSettings>>>;

/** A store and the instant (ISO 8601) before which its rows go. */
export interface StoreExpiry {
  readonly store: PersonalStore;
  readonly cutoff: string;
}

/** Which window each store keeps, in the order a pass empties them (sessions before their addresses are masked). */
const WINDOWS: ReadonlyArray<readonly [PersonalStore, (s: RetentionSettings) => number]> = [
  ['sessions', (s) => s.session_retention_days],
  ['webhookDeliveries', (s) => s.webhook_delivery_retention_days],
  ['vendorBodies', (s) => s.vendor_body_retention_days],
  ['companyAnswers', (s) => s.vendor_body_retention_days],
  ['consentChanges', (s) => s.consent_retention_days],
  ['exports', (s) => s.export_retention_days],
  ['deadLetters', (s) => s.event_retention_days],
];

export const PERSONAL_STORES: readonly PersonalStore[] = WINDOWS.map(([store]) => store);

export const cutoffOf = (now: Date, days: number): string => new Date(now.getTime() - days * DAY_MS).toISOString();

export function storeExpiries(settings: RetentionSettings, now: Date): StoreExpiry[] {
  return WINDOWS.map(([store, days]) => ({ store, cutoff: cutoffOf(now, days(settings)) }));
}

/** One page of the store's expired rows deleted; `done` once a page comes back short. */
export async function expireStore(db: TenantDb, expiry: StoreExpiry): Promise<ExpiredPage & { done: boolean }> {
  const page = await expireStorePage(db, expiry.store, { cutoff: new Date(expiry.cutoff), limit: STORE_PAGE });
  return { ...page, done: page.rows < STORE_PAGE };
}
