/**
 * A tenant's enrichment settings: the waterfall order, price overrides of
 * built-in providers, the confidence threshold, how long a value stays fresh,
 * the daily credit limit, the cache lifetimes, and the policy automatic
 * enrichment from visitors' calls follows. One row in the tenant's schema.
 */
import { z } from 'zod';
import { failure, invalidInput, success, type Outcome } from '../../platform/outcome.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { settingsRow, updateSettingsRow, type SettingsRow } from './enrichment.repository.js';
import { numbersOf } from './json-columns.js';
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

/** The row as the module uses it: prices as numbers by provider id. */
const settingsOf = (row: SettingsRow): EnrichmentSettings => ({ ...row, prices: numbersOf(row.prices) });

export async function readEnrichmentSettings(db: TenantDb): Promise<EnrichmentSettings> {
  const row = await settingsRow(db);
  if (row === undefined) throw new Error(`tenant schema ${db.schema} has no enrichment settings row`);
  return settingsOf(row);
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
  db: TenantDb,
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
  const row = await updateSettingsRow(db, {
    ...(change.waterfall === undefined ? {} : { waterfall: change.waterfall }),
    ...(change.prices === undefined ? {} : { prices: change.prices }),
    ...(change.confidenceThreshold === undefined ? {} : { confidenceThreshold: change.confidenceThreshold }),
    ...(change.stalenessDays === undefined ? {} : { stalenessDays: change.stalenessDays }),
    ...(change.dailyCreditLimit === undefined ? {} : { dailyCreditLimit: change.dailyCreditLimit }),
    ...(change.autoEnrich === undefined ? {} : { autoEnrich: change.autoEnrich }),
    ...(change.answerCacheHours === undefined ? {} : { answerCacheHours: change.answerCacheHours }),
    ...(change.companyCacheDays === undefined ? {} : { companyCacheDays: change.companyCacheDays }),
    ...(automatic.businessOnly === undefined ? {} : { autoBusinessOnly: automatic.businessOnly }),
    ...(automatic.dailyCreditCap === undefined ? {} : { autoDailyCreditCap: automatic.dailyCreditCap }),
    ...(automatic.perVisitorDaily === undefined ? {} : { autoPerVisitorDaily: automatic.perVisitorDaily }),
    ...(ruleGiven ? { autoRule: automatic.rule === null ? null : JSON.stringify(automatic.rule) } : {}),
  });
  if (row === undefined) throw new Error(`tenant schema ${db.schema} has no enrichment settings row`);
  return success(settingsOf(row));
}
