/**
 * What a processed chunk must still tell the outside after its commit:
 * the changes for subscribers and automatic enrichment, the leads that were
 * identified, and the webhook deliveries recorded for their workflows. Kept
 * as JSON in the outbox (`ingest_effects`) until told.
 */
import type { LeadChange } from '../../lead-changes/lead-evaluation.js';
import type { IdentifiedLead } from './event-store.js';

export interface ChunkEffects {
  readonly changes: readonly LeadChange[];
  /** Leads that got an email or a company, by who sent the message (the automatic-enrichment policy differs). */
  readonly identified: { readonly public: readonly IdentifiedLead[]; readonly tenant: readonly IdentifiedLead[] };
  readonly deliveryIds: readonly string[];
}

export const hasEffects = (effects: ChunkEffects): boolean =>
  effects.changes.length > 0 || effects.identified.public.length > 0 || effects.identified.tenant.length > 0 || effects.deliveryIds.length > 0;

export const effectsJson = (effects: ChunkEffects): string => JSON.stringify(effects);

/** Effects read back from the outbox (as the driver parsed the JSON): the changes' times become Dates again. */
export function effectsOf(json: unknown): ChunkEffects {
  const value = json as { changes: Array<LeadChange & { at: string }>; identified: ChunkEffects['identified']; deliveryIds: string[] };
  return { ...value, changes: value.changes.map((change) => ({ ...change, at: new Date(change.at) })) };
}
