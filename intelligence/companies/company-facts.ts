/**
 * A company record's facts, each with where it came from: what providers
 * said about a domain, gathered across leads and jobs, the most confident
 * claim of each field kept. Pure: the enrichment activities read the held
 * facts and write the result.
 *
 * The fields rules read are also columns (`companies.name`, `mail_provider`,
 * `saas`, ...); every fact, column or not, is in `companies.facts` with its
 * provenance.
 */
import type { ProviderAnswer } from '../enrichment/enrichment-types.js';
import { domainOf } from './group-company.js';
import { jsonEqual } from '../enrichment/json-equal.js';

/** A fact as stored in `companies.facts` (jsonb), keyed by field. */
export interface StoredCompanyFact {
  readonly value: unknown;
  readonly source: string;
  readonly confidence: number;
  /** ISO 8601. */
  readonly fetchedAt: string;
}

export interface CompanyFact extends StoredCompanyFact {
  /** `company.name`, `company.logo`, `company.socialLinks.linkedin`, ... */
  readonly field: string;
}

type ColumnKind = 'text' | 'int' | 'float' | 'list';

/** The facts that are also columns, for rules and filters: field → column and the values it takes. */
export const COMPANY_FACT_COLUMNS = {
  'company.name': { column: 'name', kind: 'text' },
  'company.industry': { column: 'industry', kind: 'text' },
  'company.employees': { column: 'employees', kind: 'int' },
  'company.revenue': { column: 'revenue', kind: 'float' },
  'company.country': { column: 'country', kind: 'text' },
  'company.techStack': { column: 'tech_stack', kind: 'list' },
  'company.mailProvider': { column: 'mail_provider', kind: 'text' },
  'company.saas': { column: 'saas', kind: 'list' },
  'company.dmarcPolicy': { column: 'dmarc_policy', kind: 'text' },
} as const satisfies Record<string, { column: string; kind: ColumnKind }>;

export type CompanyFactField = keyof typeof COMPANY_FACT_COLUMNS;
export type CompanyColumnName = (typeof COMPANY_FACT_COLUMNS)[CompanyFactField]['column'];
export type CompanyColumnValue = string | number | string[];

/** Source of a value a record held before its facts were recorded: kept unless something is surer. */
export const UNRECORDED_SOURCE = 'record';
const UNRECORDED_CONFIDENCE = 0.9;
// A fact is a value, not a page: one larger than this is not kept.
const MAX_FACT_JSON = 4096;
const MAX_LIST = 200;
const MAX_TEXT = 1000;

const isFactColumn = (field: string): field is CompanyFactField => Object.hasOwn(COMPANY_FACT_COLUMNS, field);

/** The value as its column holds it, or undefined when it does not fit the column. */
export function columnValueOf(field: CompanyFactField, value: unknown): CompanyColumnValue | undefined {
  switch (COMPANY_FACT_COLUMNS[field].kind) {
    case 'text':
      return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_TEXT ? value.trim() : undefined;
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= 2_147_483_647 ? value : undefined;
    case 'float':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
    case 'list': {
      if (!Array.isArray(value)) return undefined;
      const items = value.filter((item): item is string => typeof item === 'string' && item.trim() !== '' && item.length <= 100).map((item) => item.trim());
      return items.length === 0 ? undefined : [...new Set(items)].slice(0, MAX_LIST);
    }
  }
}

/** The value as a fact keeps it (a column's as its column holds it), or undefined when it is not one to keep. */
export function companyFactValue(field: string, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (isFactColumn(field)) return columnValueOf(field, value);
  const json = JSON.stringify(value);
  return json !== undefined && json.length <= MAX_FACT_JSON ? value : undefined;
}

/**
 * The company facts of a job's answers, by the domain they describe. A
 * provider that names a company (`company.domain`) describes that company;
 * any other describes the domain it was asked about (`subjectDomain`).
 * Claims under the tenant's confidence threshold are not facts.
 */
export function companyFactsOfAnswers(
  answers: ReadonlyArray<{ readonly source: string; readonly answer: ProviderAnswer }>,
  subjectDomain: string | undefined,
  opts: { readonly now: Date; readonly confidenceThreshold: number },
): Map<string, CompanyFact[]> {
  const byDomain = new Map<string, CompanyFact[]>();
  for (const { source, answer } of answers) {
    if (answer.kind !== 'match') continue;
    const named = answer.fields.find((f) => f.field === 'company.domain');
    const domain = named === undefined ? subjectDomain : domainOf(named.value);
    if (domain === undefined) continue;
    for (const candidate of answer.fields) {
      if (!candidate.field.startsWith('company.') || candidate.field === 'company.domain') continue;
      const value = companyFactValue(candidate.field, candidate.value);
      if (!(candidate.confidence >= opts.confidenceThreshold) || value === undefined) continue;
      const list = byDomain.get(domain) ?? [];
      list.push({ field: candidate.field, value, source, confidence: candidate.confidence, fetchedAt: opts.now.toISOString() });
      byDomain.set(domain, list);
    }
  }
  return byDomain;
}

export interface MergedCompanyFacts {
  readonly facts: Readonly<Record<string, StoredCompanyFact>>;
  /** Columns whose value changed, by column name. */
  readonly columns: ReadonlyMap<CompanyColumnName, CompanyColumnValue>;
  /** Fields whose fact changed. */
  readonly changed: readonly string[];
}

/**
 * The record's facts with the new claims merged in: a claim replaces the held
 * fact when it comes from the same source (a fresher answer) or is strictly
 * more confident; a tie keeps what is held (the tenant's import, or the first
 * source to say it). A column value held without a fact (set before facts
 * were recorded) counts as a fact of `record` at 0.9.
 */
export function mergeCompanyFacts(
  held: Readonly<Record<string, StoredCompanyFact>>,
  heldColumns: Readonly<Partial<Record<CompanyColumnName, unknown>>>,
  claims: readonly CompanyFact[],
): MergedCompanyFacts {
  const facts: Record<string, StoredCompanyFact> = { ...held };
  const columns = new Map<CompanyColumnName, CompanyColumnValue>();
  const changed: string[] = [];
  for (const claim of claims) {
    const current = facts[claim.field] ?? unrecorded(claim.field, heldColumns);
    const wins = current === undefined || current.source === claim.source || claim.confidence > current.confidence;
    if (!wins) continue;
    const stored: StoredCompanyFact = { value: claim.value, source: claim.source, confidence: claim.confidence, fetchedAt: claim.fetchedAt };
    const same = current !== undefined && jsonEqual(current.value, claim.value) && current.source === claim.source && current.confidence === claim.confidence;
    facts[claim.field] = stored;
    if (!same && !changed.includes(claim.field)) changed.push(claim.field);
    if (isFactColumn(claim.field)) {
      const value = columnValueOf(claim.field, claim.value);
      if (value !== undefined) columns.set(COMPANY_FACT_COLUMNS[claim.field].column, value);
    }
  }
  return { facts, columns, changed };
}

function unrecorded(field: string, heldColumns: Readonly<Partial<Record<CompanyColumnName, unknown>>>): StoredCompanyFact | undefined {
  if (!isFactColumn(field)) return undefined;
  const value = heldColumns[COMPANY_FACT_COLUMNS[field].column];
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) return undefined;
  return { value, source: UNRECORDED_SOURCE, confidence: UNRECORDED_CONFIDENCE, fetchedAt: new Date(0).toISOString() };
}

/** The stored facts as a list, in field order (what `Company.facts` shows). */
export function companyFactList(stored: unknown): CompanyFact[] {
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return [];
  return Object.entries(stored as Record<string, unknown>)
    .flatMap(([field, fact]): CompanyFact[] => {
      if (fact === null || typeof fact !== 'object') return [];
      const f = fact as Record<string, unknown>;
      if (typeof f['source'] !== 'string' || typeof f['confidence'] !== 'number' || typeof f['fetchedAt'] !== 'string') return [];
      return [{ field, value: f['value'], source: f['source'], confidence: f['confidence'], fetchedAt: f['fetchedAt'] }];
    })
    .sort((a, b) => a.field.localeCompare(b.field));
}
