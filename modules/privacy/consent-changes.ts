/** Consent decisions as the API shows them, recorded from ingestion's events and from the tenant's own records. */
import type { TenantDb } from '../../tenants/tenant-db.js';
import { consentChangesOfLead as storedChangesOfLead, insertConsentChange as insertStoredChange, insertConsentEvents, type ConsentChangeValues } from './privacy.repository.js';

export interface ConsentChangeRecord {
  readonly id: string;
  readonly leadId: string | null;
  readonly anonymousId: string | null;
  readonly granted: boolean;
  readonly categories: Record<string, boolean>;
  readonly source: string;
  readonly at: Date;
}

export interface NewConsentChange {
  readonly leadId: string | null;
  readonly anonymousId: string | null;
  readonly granted: boolean;
  readonly categories: Readonly<Record<string, boolean>>;
  readonly source: string;
  readonly at: Date;
}

const valuesOf = (c: NewConsentChange): ConsentChangeValues => ({
  lead_id: c.leadId,
  anonymous_id: c.anonymousId,
  granted: c.granted,
  categories: c.categories,
  source: c.source,
  at: c.at,
});

/**
 * Consent events seen by ingestion, in its batch transaction. The tracking
 * script announces a grant on every page that calls consent(true), so a
 * decision equal to the lead's latest one is not a change and is not recorded again.
 */
export async function recordConsentEvents(db: Pick<TenantDb, 'query'>, changes: readonly NewConsentChange[]): Promise<void> {
  if (changes.length === 0) return;
  await insertConsentEvents(db, changes.map(valuesOf));
}

/** A decision the tenant reports itself: always recorded, it is the tenant's evidence. */
export async function insertConsentChange(db: TenantDb, change: NewConsentChange): Promise<ConsentChangeRecord> {
  return insertStoredChange(db, valuesOf(change));
}

/**
 * A lead's decisions, newest first: its own, those of leads merged into it,
 * and those recorded under its anonymous ids before it was known.
 */
export async function consentChangesOfLead(db: TenantDb, leadId: string, limit: number): Promise<ConsentChangeRecord[]> {
  return storedChangesOfLead(db, leadId, limit);
}
