import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import type { CompanyFacts, EventFact, LeadFacts } from '../../../intelligence/leads/lead-facts.js';
import { compileSegment } from '../../../intelligence/segments/compile-segment.js';
import { matchesSegment } from '../../../intelligence/segments/evaluate-segment.js';
import { parseSegmentRule, type SegmentRule } from '../../../intelligence/segments/segment-rule.js';
import { createDatabase, type Database } from '../../../platform/postgres/database.js';
import { createTenantDatabases, type TenantDb } from '../../../tenants/tenant-db.js';
import { tenantMigrations } from '../../../schema/migrations/tenant/tenant-migrations.js';
import { migrateTenant } from '../../../schema/migrator.js';
import { createControlDb } from '../../../platform/postgres/control-db.js';
import { createCreditLedger } from '../../../modules/credits/credit-ledger.js';
import { createTenantProvisioning } from '../../../tenants/provisioning/tenant-provisioning.js';

// The incremental evaluator (one lead's facts) and the SQL compiler (whole tables) must say the same
// thing; each is also checked against a hand-written answer, so they cannot be wrong the same way.

const NOW = new Date('2026-03-01T12:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

const COMPANIES: Record<string, CompanyFacts> = {
  initech: {
    domain: 'initech.com', name: 'Initech', industry: 'Software', employees: 250, revenue: 12.5e6, country: 'US',
    mailProvider: 'Google Workspace', dmarcPolicy: 'reject', techStack: ['Next.js', 'HubSpot'], saas: ['Salesforce', 'Slack'],
  },
  globex: {
    domain: 'globex.com', name: 'Globex', industry: null, employees: 40, revenue: null, country: 'us',
    mailProvider: 'Microsoft 365', dmarcPolicy: 'none', techStack: [], saas: ['salesforce'],
  },
  hooli: {
    domain: 'hooli.io', name: 'Hooli', industry: 'software', employees: 500, revenue: 9.9e8, country: 'US',
    mailProvider: null, dmarcPolicy: null, techStack: ['next.js'], saas: [],
  },
  umbrella: {
    domain: null, name: 'Umbrella Corp', industry: 'Pharma', employees: 50, revenue: 0, country: 'DE',
    mailProvider: 'Microsoft 365', dmarcPolicy: 'quarantine', techStack: ['WordPress'], saas: [],
  },
  mueller: {
    domain: 'mueller.de', name: 'MÜLLER GmbH', industry: 'Manufacturing', employees: 49, revenue: 3.2e6, country: 'DE',
    mailProvider: null, dmarcPolicy: null, techStack: ['Shopify'], saas: ['Zendesk'],
  },
  blank: { domain: 'blank.co', name: null, industry: null, employees: null, revenue: null, country: null, mailProvider: null, dmarcPolicy: null, techStack: [], saas: [] },
  startup: {
    domain: 'startup.dev', name: 'Startup', industry: 'Software', employees: 5, revenue: 1e5, country: 'GB',
    mailProvider: 'Google Workspace', dmarcPolicy: null, techStack: ['Next.js Commerce'], saas: [],
  },
};

interface LeadRow {
  readonly id: string;
  readonly email: string | null;
  readonly score: number;
  readonly traits: Record<string, unknown>;
  readonly company: keyof typeof COMPANIES | null;
  readonly events: readonly EventFact[];
}

const ev = (name: string, at: Date, properties: Record<string, unknown> = {}): EventFact => ({ name, at, properties });
const pricing = { path: '/pricing' };

const LEADS: readonly LeadRow[] = [
  {
    id: 'L01',
    email: 'Ada@Example.com',
    score: 85,
    traits: { plan: 'Pro', seats: 12, tags: ['Beta', 'vip'], nested: { level: 3, region: 'EU' } },
    company: 'initech',
    events: [
      ev('page_view', ago(1 * DAY), pricing),
      ev('page_view', ago(3 * DAY), pricing),
      ev('page_view', ago(13 * DAY), pricing),
      ev('page_view', ago(20 * DAY), pricing),
      ev('signup', ago(100 * DAY)),
    ],
  },
  {
    id: 'L02',
    email: 'bob@globex.COM',
    score: 62,
    traits: { plan: 'pro', seats: '12', tags: [] },
    company: 'globex',
    events: [ev('page_view', ago(2 * DAY), pricing), ev('page_view', ago(5 * DAY), pricing), ev('signup', ago(1 * DAY), { plan: 'pro' })],
  },
  { id: 'L03', email: null, score: 0, traits: {}, company: null, events: [] },
  {
    id: 'L04',
    email: 'carol@hooli.io',
    score: 40,
    traits: { plan: null, seats: 3, vip: true },
    company: 'hooli',
    events: [1, 2, 3].map((h) => ev('page_view', ago(h * HOUR), { path: '/PRICING', utm: { source: 'Google', medium: 'cpc' } })),
  },
  {
    id: 'L05',
    email: 'dan@initech.com',
    score: 79,
    traits: { plan: 'Enterprise', seats: 50.5, tags: 'vip' },
    company: 'initech',
    // Both ends of a 14-day window, and one event from a clock ahead of ours.
    events: [ev('page_view', ago(-MINUTE), pricing), ev('page_view', NOW, pricing), ev('page_view', ago(14 * DAY), pricing)],
  },
  {
    id: 'L06',
    email: 'EVE@Umbrella.org',
    score: 100,
    traits: { nested: { level: '3' }, vip: false },
    company: 'umbrella',
    events: [ev('demo_request', ago(2 * DAY), { plan: 'pro', seats: 5, trial: true }), ev('signup', ago(400 * DAY))],
  },
  {
    id: 'L07',
    email: 'frank@mueller.de',
    score: 39,
    traits: { plan: 'PRO ', city: 'MÜNCHEN', "a'b": 'x' },
    company: 'mueller',
    events: [1, 2, 3].map((h) => ev('Page_View', ago(h * HOUR), pricing)),
  },
  {
    id: 'L08',
    email: 'grace@blank.co',
    score: 59,
    traits: { seats: 0, tags: ['VIP', 3] },
    company: 'blank',
    events: [1, 2, 3, 4, 5].map((d) => ev('page_view', ago(d * DAY), { path: '/docs' })),
  },
  {
    id: 'L09',
    email: 'heidi@EXAMPLE.org',
    score: 80,
    traits: { plan: 'starter', signup_count: 2 },
    company: null,
    events: [ev('page_view', ago(13 * DAY + 23 * HOUR), { path: '/pricing', utm: { source: 'google', medium: 'cpc' } })],
  },
  {
    id: 'L10',
    email: 'ivan@startup.dev',
    score: 60,
    traits: { plan: 'Pro', seats: -1 },
    company: 'startup',
    events: [ev('purchase', ago(1 * HOUR), { amount: 99.5, currency: 'EUR' }), ev('purchase', ago(30 * HOUR), { amount: '99.5', currency: 'eur' })],
  },
  {
    id: 'L11',
    email: 'judy@initech.com',
    score: 45,
    traits: { 'utm-source': 'LinkedIn', nested: { deeper: { flag: false } }, city: 'münchen' },
    company: 'initech',
    events: [ev('page_view', ago(1 * DAY), { path: '/pricing/' }), ev('page_view', ago(10 * DAY), pricing)],
  },
  {
    id: 'L12',
    email: 'mallory@evil.test',
    score: 10,
    traits: { seats: 1000, plan: 'pro' },
    company: null,
    events: [30, 31, 32, 33].map((d) => ev('page_view', ago(d * DAY), pricing)),
  },
];

const EVENT_COUNT = LEADS.reduce((n, lead) => n + lead.events.length, 0);

function factsOf(lead: LeadRow): LeadFacts {
  return {
    id: lead.id,
    email: lead.email,
    score: lead.score,
    traits: lead.traits,
    company: lead.company === null ? null : (COMPANIES[lead.company] ?? null),
    events: [...lead.events].sort((a, b) => b.at.getTime() - a.at.getTime()),
  };
}

const ALL = LEADS.map((l) => l.id);
const except = (...ids: string[]) => ALL.filter((id) => !ids.includes(id));
const f = (field: string, op: string, value: unknown) => ({ field, op, value });
const pricingViews = (count: Record<string, number>, within = 'P14D') => ({ event: 'page_view', where: pricing, count, within });

const RULES: ReadonlyArray<readonly [string, unknown, readonly string[]]> = [
  ['email eq, folding case', f('email', 'eq', 'ada@example.com'), ['L01']],
  ['email neq: a missing email is not equal', f('email', 'neq', 'ada@example.com'), except('L01')],
  ['email in', f('email', 'in', ['BOB@GLOBEX.com', 'heidi@example.org', 'nobody@x.com']), ['L02', 'L09']],
  ['email nin: a missing email is not in', f('email', 'nin', ['bob@globex.com']), except('L02')],
  ['email contains', f('email', 'contains', 'EXAMPLE'), ['L01', 'L09']],
  ['email startsWith', f('email', 'startsWith', 'EVE@'), ['L06']],
  ['email exists false', f('email', 'exists', false), ['L03']],
  ['email exists true', f('email', 'exists', true), except('L03')],
  ['score gt', f('score', 'gt', 79), ['L01', 'L06', 'L09']],
  ['score gte', f('score', 'gte', 79), ['L01', 'L05', 'L06', 'L09']],
  ['score lt', f('score', 'lt', 40), ['L03', 'L07', 'L12']],
  ['score lte', f('score', 'lte', 40), ['L03', 'L04', 'L07', 'L12']],
  ['score between, inclusive', f('score', 'between', [40, 60]), ['L04', 'L08', 'L10', 'L11']],
  ['score eq', f('score', 'eq', 62), ['L02']],
  ['score in', f('score', 'in', [0, 100]), ['L03', 'L06']],
  ['tier eq', f('tier', 'eq', 'HOT'), ['L01', 'L06', 'L09']],
  ['tier in', f('tier', 'in', ['WARM', 'QUALIFIED']), ['L02', 'L04', 'L05', 'L08', 'L10', 'L11']],
  ['tier neq', f('tier', 'neq', 'COLD'), except('L03', 'L07', 'L12')],
  ['tier nin', f('tier', 'nin', ['HOT', 'COLD']), ['L02', 'L04', 'L05', 'L08', 'L10', 'L11']],
  ['company.country eq, folding case', f('company.country', 'eq', 'us'), ['L01', 'L02', 'L04', 'L05', 'L11']],
  ['company.country neq: no company, or no country, is not US', f('company.country', 'neq', 'US'), ['L03', 'L06', 'L07', 'L08', 'L09', 'L10', 'L12']],
  ['company.employees between, inclusive', f('company.employees', 'between', [50, 500]), ['L01', 'L04', 'L05', 'L06', 'L11']],
  ['company.employees lt', f('company.employees', 'lt', 50), ['L02', 'L07', 'L10']],
  ['company.revenue gte', f('company.revenue', 'gte', 12.5e6), ['L01', 'L04', 'L05', 'L11']],
  ['company.revenue eq 0 is present', f('company.revenue', 'eq', 0), ['L06']],
  ['company.industry eq, folding case', f('company.industry', 'eq', 'SOFTWARE'), ['L01', 'L04', 'L05', 'L10', 'L11']],
  ['company.industry exists false', f('company.industry', 'exists', false), ['L02', 'L03', 'L08', 'L09', 'L12']],
  ['company.domain exists false', f('company.domain', 'exists', false), ['L03', 'L06', 'L09', 'L12']],
  ['company.name contains, folding ASCII letters only', f('company.name', 'contains', 'MÜller'), ['L07']],
  ['company.name contains: Ü is not ü', f('company.name', 'contains', 'müller'), []],
  ['company.domain startsWith', f('company.domain', 'startsWith', 'INITECH'), ['L01', 'L05', 'L11']],
  ['company.name in', f('company.name', 'in', ['globex', 'Hooli']), ['L02', 'L04']],
  ['company.mailProvider eq, folding case', f('company.mailProvider', 'eq', 'google workspace'), ['L01', 'L05', 'L10', 'L11']],
  ['company.mailProvider neq: no company, or no provider, is not it', f('company.mailProvider', 'neq', 'Microsoft 365'), except('L02', 'L06')],
  ['company.mailProvider exists false', f('company.mailProvider', 'exists', false), ['L03', 'L04', 'L07', 'L08', 'L09', 'L12']],
  ['company.dmarcPolicy in', f('company.dmarcPolicy', 'in', ['reject', 'QUARANTINE']), ['L01', 'L05', 'L06', 'L11']],
  ['company.techStack contains an entry, folding case', f('company.techStack', 'contains', 'NEXT.JS'), ['L01', 'L04', 'L05', 'L11']],
  ['company.techStack contains: a whole entry, not a substring', f('company.techStack', 'contains', 'next'), []],
  ['company.techStack exists false: an empty list is none', f('company.techStack', 'exists', false), ['L02', 'L03', 'L08', 'L09', 'L12']],
  ['company.saas exists true', f('company.saas', 'exists', true), ['L01', 'L02', 'L05', 'L07', 'L11']],
  ['company.saas contains', f('company.saas', 'contains', 'salesforce'), ['L01', 'L02', 'L05', 'L11']],
  ['not company.techStack contains: no company is not WordPress', { not: f('company.techStack', 'contains', 'wordpress') }, except('L06')],
  ['all of mail provider and SaaS', { all: [f('company.mailProvider', 'startsWith', 'micro'), f('company.saas', 'exists', true)] }, ['L02']],
  ['trait eq, folding case', f('traits.plan', 'eq', 'pro'), ['L01', 'L02', 'L10', 'L12']],
  ['trait neq: missing and null are not equal', f('traits.plan', 'neq', 'pro'), ['L03', 'L04', 'L05', 'L06', 'L07', 'L08', 'L09', 'L11']],
  ['trait exists true: null is absent', f('traits.plan', 'exists', true), ['L01', 'L02', 'L05', 'L07', 'L09', 'L10', 'L12']],
  ['trait exists false', f('traits.plan', 'exists', false), ['L03', 'L04', 'L06', 'L08', 'L11']],
  ['trait gt: numbers only, "12" is not 12', f('traits.seats', 'gt', 10), ['L01', 'L05', 'L12']],
  ['trait eq of a number', f('traits.seats', 'eq', 12), ['L01']],
  ['trait eq of a numeric string', f('traits.seats', 'eq', '12'), ['L02']],
  ['trait between, inclusive', f('traits.seats', 'between', [0, 12]), ['L01', 'L04', 'L08']],
  ['trait lte', f('traits.seats', 'lte', 0), ['L08', 'L10']],
  ['trait in of mixed types', f('traits.seats', 'in', [3, '12', 1000]), ['L02', 'L04', 'L12']],
  ['trait nin', f('traits.seats', 'nin', [12, 0]), except('L01', 'L08')],
  ['trait contains: an array element, or a substring', f('traits.tags', 'contains', 'VIP'), ['L01', 'L05', 'L08']],
  ['trait contains in an array is not a substring', f('traits.tags', 'contains', 'et'), []],
  ['nested trait eq of a number', f('traits.nested.level', 'eq', 3), ['L01']],
  ['nested trait gte', f('traits.nested.level', 'gte', 3), ['L01']],
  ['deep trait eq false', f('traits.nested.deeper.flag', 'eq', false), ['L11']],
  ['trait eq true', f('traits.vip', 'eq', true), ['L04']],
  ['trait neq true', f('traits.vip', 'neq', true), except('L04')],
  ['trait key with a dash, startsWith', f('traits.utm-source', 'startsWith', 'link'), ['L11']],
  ['trait eq of non-ASCII text', f('traits.city', 'eq', 'münchen'), ['L11']],
  ['trait key with an underscore', f('traits.signup_count', 'gt', 1), ['L09']],
  ['event count gt within 14 days, where folding case', pricingViews({ gt: 2 }), ['L01', 'L04']],
  ['event count gte: both ends of the window count, the future does not', pricingViews({ gte: 2 }), ['L01', 'L02', 'L04', 'L05']],
  ['event count eq 0', pricingViews({ eq: 0 }), ['L03', 'L06', 'L07', 'L08', 'L10', 'L12']],
  ['event by exact name, any time in the longest window', { event: 'page_view' }, except('L03', 'L06', 'L07', 'L10')],
  ['event within a day', { event: 'page_view', within: 'P1D' }, ['L01', 'L04', 'L05', 'L08', 'L11']],
  ['event without within: not older than 365 days', { event: 'signup' }, ['L01', 'L02']],
  ['event where of every scalar type', { event: 'demo_request', where: { plan: 'PRO', seats: 5, trial: true }, within: 'P1W' }, ['L06']],
  ['event where: "5" is not 5', { event: 'demo_request', where: { seats: '5' } }, []],
  ['event where of a number, within hours', { event: 'purchase', where: { amount: 99.5 }, within: 'PT12H' }, ['L10']],
  ['event count eq with where', { event: 'purchase', where: { currency: 'eur' }, count: { eq: 2 }, within: 'P2D' }, ['L10']],
  ['event where of dotted paths', { event: 'page_view', where: { 'utm.source': 'GOOGLE', 'utm.medium': 'cpc' }, within: 'P14D' }, ['L04', 'L09']],
  ['event count lte in weeks', { event: 'page_view', count: { lte: 1 }, within: 'P2W' }, ['L03', 'L06', 'L07', 'L09', 'L10', 'L12']],
  ['event count lt', { event: 'page_view', count: { lt: 3 }, within: 'P1DT6H' }, except('L04')],
  [
    "API.md's example",
    { all: [f('company.country', 'eq', 'US'), f('company.employees', 'between', [50, 500]), pricingViews({ gt: 2 })] },
    ['L01', 'L04'],
  ],
  ['any', { any: [f('email', 'exists', false), f('traits.vip', 'eq', true), f('tier', 'eq', 'HOT')] }, ['L01', 'L03', 'L04', 'L06', 'L09']],
  ['not of a trait eq', { not: f('traits.plan', 'eq', 'pro') }, ['L03', 'L04', 'L05', 'L06', 'L07', 'L08', 'L09', 'L11']],
  ['not over NULL companies', { not: f('company.employees', 'gt', 100) }, ['L02', 'L03', 'L06', 'L07', 'L08', 'L09', 'L10', 'L12']],
  ['not of not', { not: { not: f('company.employees', 'gt', 100) } }, ['L01', 'L04', 'L05', 'L11']],
  [
    'all of any and not event',
    { all: [{ any: [f('tier', 'eq', 'HOT'), f('tier', 'eq', 'WARM')] }, { not: { event: 'signup' } }] },
    ['L05', 'L06', 'L09', 'L10'],
  ],
  [
    'all of not any, and nin over NULL',
    { all: [{ not: { any: [f('traits.seats', 'lt', 5), f('email', 'contains', 'initech')] } }, f('company.country', 'nin', ['DE'])] },
    ['L01', 'L02', 'L03', 'L09', 'L12'],
  ],
  ['trait nin over missing and null', f('traits.plan', 'nin', ['pro', 'starter']), ['L03', 'L04', 'L05', 'L06', 'L07', 'L08', 'L11']],
];

function parsed(input: unknown): SegmentRule {
  const result = parseSegmentRule(input);
  if (!result.ok) throw new Error(`invalid rule: ${JSON.stringify(result.problem)}`);
  return result.value;
}

/** The values, trait keys and property paths a rule carries: what must never reach the SQL text. */
function wordsOf(rule: SegmentRule): string[] {
  if ('all' in rule) return rule.all.flatMap(wordsOf);
  if ('any' in rule) return rule.any.flatMap(wordsOf);
  if ('not' in rule) return wordsOf(rule.not);
  if ('field' in rule) {
    const keys = rule.field.startsWith('traits.') ? rule.field.slice('traits.'.length).split('.') : [];
    const values = Array.isArray(rule.value) ? rule.value : [rule.value];
    return [...keys, ...values.filter((v) => typeof v === 'string')];
  }
  const where = Object.entries(rule.where ?? {}).flatMap(([path, value]) => [...path.split('.'), ...(typeof value === 'string' ? [value] : [])]);
  return [rule.event, ...where];
}

describe('segment rules: the evaluator and the SQL compiler agree', () => {
  let db: Database;
  let sql: TenantDb;

  const inSql = async (rule: SegmentRule) => {
    const compiled = compileSegment(rule, NOW);
    const rows = await sql.query<{ id: string }>(
      `select l.id from {t}.leads l left join {t}.companies c on c.id = l.company_id where ${compiled.where} order by l.id`,
      compiled.values,
    );
    return rows.map((row) => row.id);
  };
  const inMemory = (rule: SegmentRule) => LEADS.filter((lead) => matchesSegment(rule, factsOf(lead), NOW)).map((lead) => lead.id);

  beforeAll(async () => {
    db = createDatabase({ url: inject('databaseUrl'), poolSize: 4, applicationName: 'leadgraph-test-segments' });
    const control = createControlDb(db);
    const migrateSchema = async (schema: string) => (await migrateTenant(db, schema, tenantMigrations)).applied;
    const provisioning = createTenantProvisioning({ control, ledger: createCreditLedger({ control, onBalanceChanged: () => {} }), migrateSchema });
    const created = await provisioning.createTenant({ name: 'Segment agreement' });
    if (!created.ok) throw new Error(`createTenant failed: ${JSON.stringify(created.problem)}`);
    sql = createTenantDatabases({ db, control }).ofResolved(created.value);
    for (const [id, c] of Object.entries(COMPANIES)) {
      await sql.query(
        `insert into {t}.companies (id, domain, name, industry, employees, revenue, country, mail_provider, dmarc_policy, tech_stack, saas)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [id, c.domain, c.name, c.industry, c.employees, c.revenue, c.country, c.mailProvider ?? null, c.dmarcPolicy ?? null, c.techStack ?? [], c.saas ?? []],
      );
    }
    let message = 0;
    for (const lead of LEADS) {
      await sql.query('insert into {t}.leads (id, email, traits, company_id, score, first_seen_at) values ($1, $2, $3::jsonb, $4, $5, $6)', [
        lead.id,
        lead.email,
        JSON.stringify(lead.traits),
        lead.company,
        lead.score,
        ago(500 * DAY),
      ]);
      for (const e of lead.events) {
        message += 1;
        await sql.query(
          `insert into {t}.events (message_id, type, name, lead_id, anonymous_id, at, properties, context)
           values ($1, 'track', $2, $3, $4, $5, $6::jsonb, '{}')`,
          [`msg-${message}`, e.name, lead.id, `anon-${lead.id}`, e.at, JSON.stringify(e.properties)],
        );
      }
    }
  });
  afterAll(async () => {
    await db.close();
  });

  it.each(RULES)('%s', async (_, input, expected) => {
    const rule = parsed(input);
    expect(inMemory(rule)).toEqual(expected);
    expect(await inSql(rule)).toEqual(expected);
  });

  it('puts no value, trait key or property path of any rule in the SQL text', () => {
    for (const [, input] of RULES) {
      const rule = parsed(input);
      const { where } = compileSegment(rule, NOW);
      for (const word of wordsOf(rule).filter((w) => w.length >= 3)) expect(where, `${word} in ${JSON.stringify(input)}`).not.toContain(word);
    }
  });

  it('numbers its placeholders from firstParam, after the caller\'s own', async () => {
    const rule = parsed(RULES.find(([name]) => name === "API.md's example")?.[1]);
    const compiled = compileSegment(rule, NOW, { firstParam: 3 });
    expect(compiled.where).toContain('$3::');
    expect(compiled.where).not.toMatch(/\$[12]\b/);
    const rows = await sql.query<{ id: string }>(
      `select l.id from {t}.leads l left join {t}.companies c on c.id = l.company_id
        where l.id <> $1 and l.score >= $2 and ${compiled.where} order by l.id`,
      ['L04', 0, ...compiled.values],
    );
    expect(rows.map((r) => r.id)).toEqual(['L01']);
  });

  it('treats injected text as data: a valid rule matches nothing, a bad key or path is refused, and the tables stay', async () => {
    const hostile = [
      f('email', 'eq', "x'); drop table leads; --"),
      f('traits.plan', 'contains', "'; select 1; --"),
      f('company.name', 'in', ["Robert'); DROP TABLE {t}.companies;--"]),
      { event: "page_view' or '1'='1", within: 'P14D' },
      { event: 'page_view', where: { path: "/pricing' or 1=1 --" } },
    ];
    for (const input of hostile) {
      const rule = parsed(input);
      const { where } = compileSegment(rule, NOW);
      for (const word of wordsOf(rule)) expect(where).not.toContain(word);
      expect(where).not.toMatch(/drop|or 1=1|'1'='1/i);
      expect(inMemory(rule)).toEqual([]);
      expect(await inSql(rule)).toEqual([]);
    }

    expect(parseSegmentRule(f("traits.a'b", 'exists', true))).toMatchObject({ ok: false, problem: { path: ['field'] } });
    expect(parseSegmentRule(f('traits.x); drop table leads; --', 'exists', true))).toMatchObject({ ok: false, problem: { path: ['field'] } });
    const badPath = "'; select 1; --";
    expect(parseSegmentRule({ event: 'page_view', where: { [badPath]: 'x' } })).toMatchObject({ ok: false, problem: { path: ['where', badPath] } });

    // Past the parser, a key is still a parameter: it names the trait that holds it and nothing else.
    const unparsedKey: SegmentRule = { field: "traits.a'b", op: 'exists', value: true };
    expect(compileSegment(unparsedKey, NOW).where).not.toContain("a'b");
    expect(inMemory(unparsedKey)).toEqual(['L07']);
    expect(await inSql(unparsedKey)).toEqual(['L07']);
    const unparsedPath: SegmentRule = { event: 'page_view', where: { [badPath]: 'x' }, count: { gte: 1 } };
    expect(compileSegment(unparsedPath, NOW).where).not.toContain(badPath);
    expect(inMemory(unparsedPath)).toEqual([]);
    expect(await inSql(unparsedPath)).toEqual([]);

    const [counts] = await sql.query<{ leads: number; companies: number; events: number }>(
      `select (select count(*)::int from {t}.leads) as leads, (select count(*)::int from {t}.companies) as companies,
              (select count(*)::int from {t}.events) as events`,
    );
    expect(counts).toEqual({ leads: LEADS.length, companies: Object.keys(COMPANIES).length, events: EVENT_COUNT });
  });
});
