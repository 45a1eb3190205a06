/**
 * A tenant's enrichment settings: the waterfall order, price overrides of
 * built-in providers, the confidence threshold, how long a value stays fresh,
 * the daily credit limit, the cache lifetimes, and the policy automatic
 * enrichment from visitors' calls follows. One row in the tenant's schema.
 */
import { z } from 'zod';
import { failure, invalidInput, success, type Outcome } from '../../platform/outcome.js';
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';
import { parseInput } from '../../platform/validation/parse-input.js';
import { parseSegmentRule } from '../../intelligence/segments/segment-rule.js';

export interface EnrichmentSettings {
  readonly waterfall: readonly string[];
  readonly prices: Readonly<Record<string, number>>;
  readonly confidenceThreshold: number;
  readonly stalenessDays: number;
  readonly dailyCreditLimit: number | null;
  readonly autoEnrich: boolean;
  readonly answerCacheHours: number;
  readonly companyCacheDays: number;
  /** Automatic enrichment set off by publishable-key calls (ingestion): business addresses only. */
  readonly autoBusinessOnly: boolean;
  /** Credits that automatic enrichment may spend a UTC day; null: no cap. */
  readonly autoDailyCreditCap: number | null;
  /** Automatic enrichments a day per visitor (anonymous id) and per lead. */
  readonly autoPerVisitorDaily: number;
  /**
   * A segment rule (as stored, parsed where it is applied) a lead must match
   * for automatic enrichment to start, from any key; null: no rule.
   */
  readonly autoRule: unknown;
}

const COLUMNS = `waterfall, prices, confidence_threshold as "confidenceThreshold", staleness_days as "stalenessDays",
  daily_credit_limit as "dailyCreditLimit", auto_enrich as "autoEnrich", answer_cache_hours as "answerCacheHours",
  company_cache_days as "companyCacheDays", auto_business_only as "autoBusinessOnly",
  auto_daily_credit_cap as "autoDailyCreditCap", auto_per_visitor_daily as "autoPerVisitorDaily", auto_rule as "autoRule"`;

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
    automatic: z
      .object({
        businessOnly: z.boolean().optional(),
        dailyCreditCap: z.number().int().min(0).max(1_000_000_000).nullable().optional(),
        perVisitorDaily: z.number().int().min(0).max(1_000_000).optional(),
        // Checked by the segment rule parser below, which names the offending node.
        rule: z.unknown().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type EnrichmentSettingsChange = z.infer<typeof settingsChange>;

/**
 * Applies the fields given; the others stay. `known` are the ids the
 * waterfall may name (built-in and the tenant's vendors); prices may be set
 * for built-in ones only (a vendor's price is in its configuration), and at
 * or above the operator's price (`builtInPrices`): a tenant can raise a
 * price, never lower it.
 */
export async function updateEnrichmentSettings(
  sql: TenantSql,
  input: unknown,
  providers: { readonly known: readonly string[]; readonly builtInPrices: Readonly<Record<string, number>> },
): Promise<Outcome<EnrichmentSettings>> {
  const parsed = parseInput(settingsChange, input, ['input']);
  if (!parsed.ok) return parsed;
  const change = parsed.value;
  const waterfall = change.waterfall ?? [];
  for (const [index, id] of waterfall.entries()) {
    if (!providers.known.includes(id)) return failure(invalidInput(['input', 'waterfall', index], `no provider ${id}; known: ${providers.known.join(', ')}`));
    if (waterfall.indexOf(id) !== index) return failure(invalidInput(['input', 'waterfall', index], `${id} is already in the waterfall`));
  }
  for (const [id, price] of Object.entries(change.prices ?? {})) {
    const floor = Object.hasOwn(providers.builtInPrices, id) ? providers.builtInPrices[id] : undefined;
    if (floor === undefined) return failure(invalidInput(['input', 'prices', id], `no built-in provider ${id}; a vendor's price is set in its configuration`));
    if (price < floor) return failure(invalidInput(['input', 'prices', id], `the operator's price of ${id} is ${floor} credits; a tenant can raise it, not lower it`));
  }
  const automatic = change.automatic ?? {};
  const ruleGiven = automatic.rule !== undefined;
  if (automatic.rule !== undefined && automatic.rule !== null) {
    const rule = parseSegmentRule(automatic.rule, ['input', 'automatic', 'rule']);
    if (!rule.ok) return failure(rule.problem);
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
       auto_business_only = coalesce($10, auto_business_only),
       auto_daily_credit_cap = case when $11::boolean then $12::int else auto_daily_credit_cap end,
       auto_per_visitor_daily = coalesce($13, auto_per_visitor_daily),
       auto_rule = case when $14::boolean then $15::jsonb else auto_rule end,
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
      automatic.businessOnly ?? null,
      automatic.dailyCreditCap !== undefined,
      automatic.dailyCreditCap ?? null,
      automatic.perVisitorDaily ?? null,
      ruleGiven,
      ruleGiven && automatic.rule !== null ? JSON.stringify(automatic.rule) : null,
    ],
  );
  const row = rows[0];
  if (row === undefined) throw new Error(`tenant schema ${sql.schema} has no enrichment settings row`);
  return success(row);
}
