/**
 * A tenant's scoring model: rules of fit (RANGE, MATCH, EXIST) and behaviour
 * (BOOST) whose contributions add up to a lead's score. Pure: validation and
 * the default; `score-lead.ts` applies a model to a lead.
 */
import { z } from 'zod';
import { failure, invalidInput, success, type Outcome } from '../../platform/outcome.js';
import { isoDurationMs } from '../time/iso-duration.js';
import { MAX_RULE_WINDOW_DAYS } from '../leads/lead-facts.js';

/** `techStack` and `saas` are lists: a MATCH matches when any entry does, an EXIST when the list is not empty. */
export const COMPANY_FIELDS = ['domain', 'name', 'industry', 'employees', 'revenue', 'country', 'mailProvider', 'dmarcPolicy', 'techStack', 'saas'] as const;
export type CompanyField = (typeof COMPANY_FIELDS)[number];

/** A lead's field: `email`, `traits.<key>` or `company.<field>`. */
export type FieldPath = 'email' | `traits.${string}` | `company.${CompanyField}`;
/** The fields a RANGE may read; never `score`, which the rules produce. */
export type NumericPath = 'company.employees' | 'company.revenue' | `traits.${string}`;
export type Scalar = string | number | boolean;
/** Weeks, days, hours and minutes only: `P30D`, `PT12H`, `P2W`, `P1DT6H`. */
export type IsoDuration = `P${string}`;

export interface RangeRule {
  readonly name: string;
  readonly kind: 'RANGE';
  readonly field: NumericPath;
  /** Inclusive; at least one bound. */
  readonly min?: number;
  readonly max?: number;
  readonly points: number;
}

export interface MatchRule {
  readonly name: string;
  readonly kind: 'MATCH';
  readonly field: FieldPath;
  /** Strings compare case-insensitively and may hold `*` wildcards. */
  readonly values: readonly Scalar[];
  readonly points: number;
}

export interface ExistRule {
  readonly name: string;
  readonly kind: 'EXIST';
  /** Exactly one of `field` and `event`. */
  readonly field?: FieldPath;
  readonly event?: string;
  readonly points: number;
}

export interface BoostRule {
  readonly name: string;
  readonly kind: 'BOOST';
  readonly event: string;
  /** Property paths (dotted) and the values they must equal; strings case-insensitively. */
  readonly where?: Readonly<Record<string, Scalar>>;
  readonly window: IsoDuration;
  readonly pointsPerEvent: number;
  readonly maxPoints: number;
  /** Without it an event counts in full for the whole window. */
  readonly halfLife?: IsoDuration;
}

export type Rule = RangeRule | MatchRule | ExistRule | BoostRule;

export interface ScoringModel {
  readonly rules: readonly Rule[];
}

/**
 * The events a model looks at, and how far back: BOOST rules their window,
 * EXIST rules over an event as far as events are kept for rules.
 */
export function eventNeedsOf(model: ScoringModel): { readonly names: string[]; readonly lookbackMs: number } {
  const names = new Set<string>();
  let lookbackMs = 0;
  for (const rule of model.rules) {
    if (rule.kind === 'BOOST') {
      names.add(rule.event);
      lookbackMs = Math.max(lookbackMs, isoDurationMs(rule.window) ?? MAX_RULE_WINDOW_DAYS * DAY_MS);
    } else if (rule.kind === 'EXIST' && rule.event !== undefined) {
      names.add(rule.event);
      lookbackMs = MAX_RULE_WINDOW_DAYS * DAY_MS;
    }
  }
  return { names: [...names], lookbackMs };
}

/** The breakdown entry that explains a clamped score; no rule may take its name. */
export const CLAMPED_RULE_NAME = 'clamped to 0..100';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Milliseconds of an ISO 8601 duration in weeks, days, hours and minutes; undefined otherwise (months and years have no fixed length). */
export const durationMs = isoDurationMs;

const duration = z.string().transform((text, ctx): IsoDuration => {
  const ms = durationMs(text);
  if (ms === undefined) ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 duration in weeks, days, hours or minutes, like P30D or PT12H' });
  else if (ms <= 0) ctx.addIssue({ code: 'custom', message: 'must be longer than zero' });
  else if (ms > MAX_RULE_WINDOW_DAYS * DAY_MS) ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_RULE_WINDOW_DAYS} days` });
  else return text as IsoDuration;
  return z.NEVER;
});

const TRAIT_KEY = /^[A-Za-z0-9_$-]{1,64}$/;
const NUMERIC_COMPANY_FIELDS: readonly string[] = ['employees', 'revenue'];

function fieldPathProblem(text: string, numeric: boolean): string | undefined {
  if (text === 'score') return 'cannot be score: the rules produce it';
  const expected = numeric
    ? 'must be a numeric field: company.employees, company.revenue or traits.<key>'
    : `must be email, traits.<key> or company.${COMPANY_FIELDS.join('|')}`;
  if (text.startsWith('traits.')) return TRAIT_KEY.test(text.slice('traits.'.length)) ? undefined : 'must name a trait key of letters, digits, _, - or $';
  if (text.startsWith('company.')) {
    const field = text.slice('company.'.length);
    const known = (COMPANY_FIELDS as readonly string[]).includes(field) && (!numeric || NUMERIC_COMPANY_FIELDS.includes(field));
    return known ? undefined : expected;
  }
  return text === 'email' && !numeric ? undefined : expected;
}

const fieldPath = z.string().transform((text, ctx): FieldPath => {
  const problem = fieldPathProblem(text, false);
  if (problem === undefined) return text as FieldPath;
  ctx.addIssue({ code: 'custom', message: problem });
  return z.NEVER;
});

const numericPath = z.string().transform((text, ctx): NumericPath => {
  const problem = fieldPathProblem(text, true);
  if (problem === undefined) return text as NumericPath;
  ctx.addIssue({ code: 'custom', message: problem });
  return z.NEVER;
});

const name = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(80, 'must be at most 80 characters')
  .refine((n) => n !== CLAMPED_RULE_NAME, 'is reserved for the breakdown');
const points = z.number().int('must be a whole number').min(-100).max(100);
const eventName = z.string().min(1, 'must not be empty').max(200);
const scalar = z.union([z.string().min(1, 'must not be empty').max(200), z.number(), z.boolean()], {
  error: 'must be a string, a number or a boolean',
});
const PROPERTY_PATH = /^[A-Za-z0-9_$-]{1,64}(?:\.[A-Za-z0-9_$-]{1,64}){0,4}$/;

const range = z
  .object({ name, kind: z.literal('RANGE'), field: numericPath, min: z.number().optional(), max: z.number().optional(), points })
  .strict()
  .superRefine((r, ctx) => {
    if (r.min === undefined && r.max === undefined) ctx.addIssue({ code: 'custom', path: [], message: 'needs a min, a max or both' });
    else if (r.min !== undefined && r.max !== undefined && r.min > r.max) ctx.addIssue({ code: 'custom', path: ['max'], message: 'must be at least min' });
  });

const match = z
  .object({ name, kind: z.literal('MATCH'), field: fieldPath, values: z.array(scalar).min(1, 'needs at least one value').max(500), points })
  .strict();

const exist = z
  .object({ name, kind: z.literal('EXIST'), field: fieldPath.optional(), event: eventName.optional(), points })
  .strict()
  .superRefine((r, ctx) => {
    if (r.field === undefined && r.event === undefined) ctx.addIssue({ code: 'custom', path: [], message: 'needs a field or an event' });
    else if (r.field !== undefined && r.event !== undefined) ctx.addIssue({ code: 'custom', path: ['event'], message: 'give a field or an event, not both' });
  });

const boost = z
  .object({
    name,
    kind: z.literal('BOOST'),
    event: eventName,
    where: z
      .record(z.string(), scalar)
      .superRefine((w, ctx) => {
        const keys = Object.keys(w);
        const bad = keys.find((key) => !PROPERTY_PATH.test(key));
        if (bad !== undefined) ctx.addIssue({ code: 'custom', path: [bad], message: 'must be a dotted property path like path or utm.source' });
        else if (keys.length > 20) ctx.addIssue({ code: 'custom', path: [], message: 'may hold at most 20 properties' });
      })
      .optional(),
    window: duration,
    pointsPerEvent: z.number().min(0, 'must not be negative; penalise with a negative EXIST or RANGE').max(100),
    maxPoints: z.number().int('must be a whole number').min(1).max(100),
    halfLife: duration.optional(),
  })
  .strict();

const scoringModelSchema = z
  .object({ rules: z.array(z.discriminatedUnion('kind', [range, match, exist, boost])).min(1, 'needs at least one rule').max(100) })
  .strict()
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    m.rules.forEach((rule, index) => {
      const key = rule.name.toLowerCase();
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['rules', index, 'name'], message: 'is the name of an earlier rule' });
      seen.add(key);
    });
  });

type PathSegment = string | number;

/**
 * Parses a tenant's scoring model; the first problem names the node it is
 * about, e.g. `['rules', 3, 'window']`, under `basePath` (where the model sits in the request).
 */
export function parseScoringModel(input: unknown, basePath: readonly PathSegment[] = []): Outcome<ScoringModel> {
  const parsed = scoringModelSchema.safeParse(input);
  if (parsed.success) return success(parsed.data);
  const issue = parsed.error.issues[0];
  const path = [...basePath, ...(issue?.path ?? []).map((p) => (typeof p === 'symbol' ? String(p) : p))];
  if (issue?.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  return failure(invalidInput(path, issue?.message ?? 'invalid scoring model'));
}

/** How far back the model looks at behaviour: the events the pipeline loads for a lead (0 when no rule weighs behaviour). */
export function maxWindowMs(model: ScoringModel): number {
  return Math.max(0, ...model.rules.map((rule) => (rule.kind === 'BOOST' ? (durationMs(rule.window) ?? 0) : 0)));
}

/** A new tenant's model: fit and behaviour, at most 100 points when everything is maxed. */
export const DEFAULT_SCORING_MODEL: ScoringModel = {
  rules: [
    { name: 'Known person', kind: 'EXIST', field: 'email', points: 15 },
    { name: 'Company identified', kind: 'EXIST', field: 'company.domain', points: 10 },
    { name: 'Company size 50–5000', kind: 'RANGE', field: 'company.employees', min: 50, max: 5000, points: 15 },
    {
      name: 'Pricing page views',
      kind: 'BOOST',
      event: 'page_view',
      where: { path: '/pricing' },
      window: 'P30D',
      pointsPerEvent: 10,
      maxPoints: 25,
      halfLife: 'P7D',
    },
    { name: 'Recent page views', kind: 'BOOST', event: 'page_view', window: 'P14D', pointsPerEvent: 2, maxPoints: 15, halfLife: 'P7D' },
    { name: 'Signed up', kind: 'EXIST', event: 'Signed Up', points: 10 },
    {
      name: 'Decision maker title',
      kind: 'MATCH',
      field: 'traits.title',
      values: ['*VP*', '*President*', '*Head of*', '*Director*', '*Chief*', '*Founder*', 'CEO', 'CTO', 'CFO', 'COO', 'CMO', 'CRO'],
      points: 10,
    },
  ],
};
