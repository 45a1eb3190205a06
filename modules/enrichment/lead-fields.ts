/** A lead's enriched fields as rows, read and written whole. */
import type { EnrichedFieldState, FieldConflict } from '../../intelligence/enrichment/field-provenance.js';
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';

interface FieldRow {
  readonly field: string;
  readonly value: unknown;
  readonly confidence: number;
  readonly source: string;
  readonly verified: boolean;
  readonly supplied: boolean;
  readonly fetchedAt: Date;
  readonly expiresAt: Date;
  readonly belowThreshold: boolean;
  readonly conflicts: ReadonlyArray<Omit<FieldConflict, 'fetchedAt'> & { fetchedAt: string }>;
}

const FIELD_COLUMNS = `field, value, confidence, source, verified, supplied, fetched_at as "fetchedAt", expires_at as "expiresAt",
  below_threshold as "belowThreshold", conflicts`;

export async function readLeadFields(sql: TenantSql, leadId: string): Promise<Map<string, EnrichedFieldState>> {
  const rows = await sql.query<FieldRow & { leadId: string }>(`select ${FIELD_COLUMNS} from {t}.lead_fields where lead_id = $1`, [leadId]);
  return new Map(rows.map((row) => [row.field, fieldState(row)]));
}

/** For many leads at once (a page of leads in GraphQL), ordered by field. */
export async function readFieldsOfLeads(sql: TenantSql, leadIds: readonly string[]): Promise<Map<string, EnrichedFieldState[]>> {
  const rows = await sql.query<FieldRow & { leadId: string }>(
    `select lead_id as "leadId", ${FIELD_COLUMNS} from {t}.lead_fields where lead_id = any($1) order by lead_id, field`,
    [[...leadIds]],
  );
  const byLead = new Map<string, EnrichedFieldState[]>();
  for (const row of rows) byLead.set(row.leadId, [...(byLead.get(row.leadId) ?? []), fieldState(row)]);
  return byLead;
}

function fieldState(row: FieldRow): EnrichedFieldState {
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
    conflicts: row.conflicts.map((c) => ({ ...c, fetchedAt: new Date(c.fetchedAt) })),
  };
}

/**
 * Replaces the lead's rows of these fields (one statement). A value a person
 * set (source manual) is replaced only by another person's: an enrichment
 * that merged from a read taken before the person's write cannot undo it.
 */
export async function writeLeadFields(sql: TenantSql, leadId: string, fields: readonly EnrichedFieldState[]): Promise<void> {
  if (fields.length === 0) return;
  await sql.query(
    `insert into {t}.lead_fields as lf (lead_id, field, value, confidence, source, verified, supplied, fetched_at, expires_at, below_threshold, conflicts)
     select $1, f.field, f.value, f.confidence, f.source, f.verified, f.supplied, f."fetchedAt", f."expiresAt", f."belowThreshold", f.conflicts
       from jsonb_to_recordset($2::jsonb) as f(field text, value jsonb, confidence double precision, source text, verified boolean,
            supplied boolean, "fetchedAt" timestamptz, "expiresAt" timestamptz, "belowThreshold" boolean, conflicts jsonb)
     on conflict (lead_id, field) do update set
       value = excluded.value, confidence = excluded.confidence, source = excluded.source, verified = excluded.verified,
       supplied = excluded.supplied, fetched_at = excluded.fetched_at, expires_at = excluded.expires_at,
       below_threshold = excluded.below_threshold, conflicts = excluded.conflicts
     where lf.source <> 'manual' or excluded.source = 'manual'`,
    [leadId, JSON.stringify(fields)],
  );
}
