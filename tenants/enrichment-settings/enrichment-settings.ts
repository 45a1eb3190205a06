/**
 * A tenant's enrichment settings: the waterfall order, price overrides of
 * built-in providers, the confidence threshold, how long a value stays fresh,
 * the daily credit limit and the cache lifetimes. One row in the tenant's schema.
 */
import { z } from 'zod';
import { failure, invalidInput, success, type Outcome } from '../../platform/outcome.js';
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';
import { parseInput } from '../../platform/validation/parse-input.js';

export interface EnrichmentSettings {
  readonly waterfall: readonly string[];
  readonly prices: Readonly<Record<string, number>>;
  readonly confidenceThreshold: number;
  readonly stalenessDays: number;
  readonly dailyCreditLimit: number | null;
  readonly autoEnrich: boolean;
  readonly answerCacheHours: number;
  readonly companyCacheDays: number;
}

const COLUMNS = `waterfall, prices, confidence_threshold as "confidenceThreshold", staleness_days as "stalenessDays",
  daily_credit_limit as "dailyCreditLimit", auto_enrich as "autoEnrich", answer_cache_hours as "answerCacheHours",
  company_cache_days as "companyCacheDays"`;

export async function readEnrichmentSettings(sql: TenantSql): Promise<EnrichmentSettings> {
  const row = (await sql.query<EnrichmentSettings>(`select ${COLUMNS} from {t}.enrichment_settings`))[0];
  if (row === undefined) throw new Error(`tenant schema ${sql.schema} has no enrichment settings row`);
  return row;
}

const settingsChange = z
  .object({
    waterfall: z.array(z.string().min(1).max(100)).max(20).optional(),
    prices: z.record(z.string().min(1).max(100), z.number().int().min(0).max(1_000_000)).optional(),
    confidenceThreshold: z.number().min(0).max(1).optional(),
    stalenessDays: z.number().int().min(1).max(3650).optional(),
    dailyCreditLimit: z.number().int().min(0).max(1_000_000_000).nullable().optional(),
    autoEnrich: z.boolean().optional(),
    answerCacheHours: z.number().int().min(1).max(720).optional(),
    companyCacheDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();

export type EnrichmentSettingsChange = z.infer<typeof settingsChange>;

/**
 * Applies the fields given; the others stay. `knownProviders` are the ids the
 * waterfall may name (built-in and the tenant's vendors); prices may be set
 * for built-in ones only (a vendor's price is in its configuration).
 */
export async function updateEnrichmentSettings(
  sql: TenantSql,
  input: unknown,
  providers: { readonly known: readonly string[]; readonly builtIn: readonly string[] },
): Promise<Outcome<EnrichmentSettings>> {
  const parsed = parseInput(settingsChange, input, ['input']);
  if (!parsed.ok) return parsed;
  const change = parsed.value;
  const waterfall = change.waterfall ?? [];
  for (const [index, id] of waterfall.entries()) {
    if (!providers.known.includes(id)) return failure(invalidInput(['input', 'waterfall', index], `no provider ${id}; known: ${providers.known.join(', ')}`));
    if (waterfall.indexOf(id) !== index) return failure(invalidInput(['input', 'waterfall', index], `${id} is already in the waterfall`));
  }
  for (const id of Object.keys(change.prices ?? {})) {
    if (!providers.builtIn.includes(id)) return failure(invalidInput(['input', 'prices', id], `no built-in provider ${id}; a vendor's price is set in its configuration`));
  }
  const rows = await sql.query<EnrichmentSettings>(
    `update {t}.enrichment_settings set
       waterfall = coalesce($1::text[], waterfall),
       prices = prices || coalesce($2::jsonb, '{}'),
       confidence_threshold = coalesce($3, confidence_threshold),
       staleness_days = coalesce($4, staleness_days),
       daily_credit_limit = case when $5::boolean then $6::int else daily_credit_limit end,
       auto_enrich = coalesce($7, auto_enrich),
       answer_cache_hours = coalesce($8, answer_cache_hours),
       company_cache_days = coalesce($9, company_cache_days),
       updated_at = now()
     returning ${COLUMNS}`,
    [
      change.waterfall ?? null,
      change.prices === undefined ? null : JSON.stringify(change.prices),
      change.confidenceThreshold ?? null,
      change.stalenessDays ?? null,
      change.dailyCreditLimit !== undefined,
      change.dailyCreditLimit ?? null,
      change.autoEnrich ?? null,
      change.answerCacheHours ?? null,
      change.companyCacheDays ?? null,
    ],
  );
  const row = rows[0];
  if (row === undefined) throw new Error(`tenant schema ${sql.schema} has no enrichment settings row`);
  return success(row);
}
