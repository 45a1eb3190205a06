/**
 * Leads and what hangs off them as the module hands them out: plain domain
 * records, no ORM, no GraphQL, read from the stored rows (their JSON columns
 * checked, not cast).
 */
import type { TenantRows } from '../../schema/tables/tables.js';
import type { StoredEvent, StoredLead, StoredSession } from './leads.repository.js';

export interface LeadRecord {
  readonly id: string;
  readonly email: string | null;
  readonly userId: string | null;
  readonly traits: Record<string, unknown>;
  readonly score: number;
  /** Every rule's contribution to the score, as the scoring model gave it. */
  readonly scoreBreakdown: ReadonlyArray<{ readonly rule: string; readonly points: number }>;
  readonly companyId: string | null;
  /**
   * Why the lead has its company (`leads.company_link` as stored, see intelligence/companies/company-link.ts);
   * about another company when ingestion moved the lead since (a `group` call): readers compare its domain.
   */
  readonly companyLink?: unknown;
  readonly needsManualEnrichment: boolean;
  readonly lastEnrichedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface SessionRecord {
  readonly id: string;
  readonly leadId: string;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly pageViews: number;
  readonly ip: string | null;
  readonly companyId: string | null;
  readonly properties: Record<string, string>;
}

export interface EventRecord {
  readonly id: string;
  readonly leadId: string;
  readonly name: string;
  readonly at: Date;
  readonly properties: Record<string, unknown>;
}

export interface CompanyRecord {
  readonly id: string;
  readonly domain: string | null;
  readonly name: string | null;
  readonly industry: string | null;
  readonly employees: number | null;
  readonly revenue: number | null;
  readonly country: string | null;
  readonly techStack: string[];
  readonly mailProvider: string | null;
  readonly dmarcPolicy: string | null;
  readonly saas: string[];
  /** Every fact with its provenance, by field (`companies.facts`). */
  readonly facts: unknown;
}

const objectOf = (value: TenantRows.JsonValue | undefined | null): TenantRows.JsonObject => (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {});

export function leadRecordOf(row: StoredLead): LeadRecord {
  const breakdown = Array.isArray(row.scoreBreakdown) ? row.scoreBreakdown : [];
  return {
    ...row,
    traits: objectOf(row.traits),
    scoreBreakdown: breakdown.flatMap((entry) => {
      const { rule, points } = objectOf(entry);
      return typeof rule === 'string' && typeof points === 'number' ? [{ rule, points }] : [];
    }),
  };
}

export function sessionRecordOf(row: StoredSession): SessionRecord {
  const properties = Object.entries(objectOf(row.properties)).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  return { ...row, properties: Object.fromEntries(properties) };
}

export function eventRecordOf(row: StoredEvent): EventRecord {
  return { ...row, properties: objectOf(row.properties) };
}
