import type { TenantDb } from '../tenant-db.js';
import { addDroppedEvents, droppedEventsSum, type DroppedEventsTable } from '../tenants.repository.js';

/**
 * Events dropped before storage, counted per UTC day and never per person: a
 * suppressed (erased) person's, and crawlers'. How many, never whose.
 */
export type DroppedEvents = 'suppressed' | 'bot';

const TABLE: Readonly<Record<DroppedEvents, DroppedEventsTable>> = { suppressed: 'suppressed_events', bot: 'bot_events' };

/** Adds dropped events to today's count (UTC). */
export async function countDroppedEvents(db: TenantDb, kind: DroppedEvents, count: number): Promise<void> {
  if (count <= 0) return;
  await addDroppedEvents(db, TABLE[kind], count);
}

/** Dropped events of the UTC days that overlap `from` (inclusive) to `to` (exclusive): a day is counted whole. */
export function droppedEventsBetween(db: TenantDb, kind: DroppedEvents, range: { from?: Date; to?: Date }): Promise<number> {
  return droppedEventsSum(db, TABLE[kind], range);
}
