/** A lead's enriched fields, read and written whole. */
import type { EnrichedFieldState, FieldConflict } from '../../intelligence/enrichment/field-provenance.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { fieldRowsOfLead, fieldRowsOfLeads, upsertLeadFields, type FieldRow } from './enrichment.repository.js';

export async function readLeadFields(db: TenantDb, leadId: string): Promise<Map<string, EnrichedFieldState>> {
  const rows = await fieldRowsOfLead(db, leadId);
  return new Map(rows.map((row) => [row.field, fieldState(row)]));
}

/** For many leads at once (a page of leads in GraphQL), ordered by field. */
export async function readFieldsOfLeads(db: TenantDb, leadIds: readonly string[]): Promise<Map<string, EnrichedFieldState[]>> {
  const rows = await fieldRowsOfLeads(db, leadIds);
  const byLead = new Map<string, EnrichedFieldState[]>();
  for (const row of rows) byLead.set(row.leadId, [...(byLead.get(row.leadId) ?? []), fieldState(row)]);
  return byLead;
}

/** A conflict as `writeLeadFields` stored it (JSON: its time as text). */
interface StoredConflict extends Omit<FieldConflict, 'fetchedAt'> {
  readonly fetchedAt: string;
}

function fieldState(row: FieldRow): EnrichedFieldState {
  // Written only by writeLeadFields, from FieldConflict[].
  const conflicts = (Array.isArray(row.conflicts) ? row.conflicts : []) as unknown as readonly StoredConflict[];
  return {
    field: row.field,
    value: row.value,
    confidence: row.confidence,
    source: row.source,
    verified: row.verified,
    supplied: row.supplied,
    fetchedAt: row.fetchedAt,
    expiresAt: row.expiresAt,
    belowThreshold: row.belowThreshold,
    conflicts: conflicts.map((c) => ({ ...c, fetchedAt: new Date(c.fetchedAt) })),
  };
}

/**
 * Replaces the lead's rows of these fields (one statement). A value a person
 * set (source manual) is replaced only by another person's: an enrichment
 * that merged from a read taken before the person's write cannot undo it.
 */
export async function writeLeadFields(db: TenantDb, leadId: string, fields: readonly EnrichedFieldState[]): Promise<void> {
  if (fields.length === 0) return;
  await upsertLeadFields(db, leadId, JSON.stringify(fields));
}
