import { performance } from 'node:perf_hooks';
import type { Database } from '../platform/postgres/database.js';

export const COUNT_LEADS = 100_000;
export const COUNT_COMPANIES = 2_000;
export const COUNT_EVENTS = 200_000;
const RUNS = 5;

/**
 * A tenant's data at the scale of issue 5's count, written by SQL rather than
 * ingested (ingesting 200,000 events would take the run's minutes): 2,000
 * companies (a ninth of them US, four ninths with 50 to 500 employees), 80%
 * of the leads at one, and events over the last 30 days, 60% of them page
 * views of which a fifth are of /pricing. hashint4 spreads events over leads
 * and time the same way every run.
 */
export async function seedCountTenant(db: Database, schema: string): Promise<void> {
  await db.query(
    `insert into ${schema}.companies (id, domain, name, employees, country)
     select 'bc' || g, 'company' || g || '.test', 'Company ' || g,
            (array[5, 20, 60, 150, 300, 450, 800, 2000, 10000])[1 + g % 9],
            (array['US', 'GB', 'DE', 'FR', 'CA', 'NL', 'IN', 'BR', 'ES'])[1 + (g / 9) % 9]
       from generate_series(1, ${COUNT_COMPANIES}) g`,
  );
  await db.query(
    `insert into ${schema}.leads (id, email, traits, company_id, score, first_seen_at)
     select 'bl' || g, 'person' || g || '@company' || (1 + (g / 5) % ${COUNT_COMPANIES}) || '.test',
            jsonb_build_object('plan', (array['free', 'starter', 'pro', 'enterprise'])[1 + g % 4]),
            case when g % 5 = 0 then null else 'bc' || (1 + (g / 5) % ${COUNT_COMPANIES}) end,
            g % 100, now() - make_interval(days => g % 60)
       from generate_series(1, ${COUNT_LEADS}) g`,
  );
  await db.query(
    `insert into ${schema}.events (message_id, type, name, lead_id, anonymous_id, at, properties, context)
     select 'bm' || g,
            case when page then 'page' else 'track' end,
            case when page then 'page_view' else (array['Clicked CTA', 'Started Signup', 'Played Video', 'Downloaded Whitepaper'])[1 + g % 4] end,
            'bl' || lead, 'ba' || lead,
            now() - make_interval(secs => abs(hashint4(g + ${COUNT_EVENTS})) % (30 * 86400)),
            case when page then jsonb_build_object('path', (array['/', '/pricing', '/docs', '/blog/lead-scoring', '/customers'])[1 + abs(hashint4(-g)) % 5])
                 else '{}'::jsonb end,
            '{}'::jsonb
       from (select g, 1 + abs(hashint4(g)) % ${COUNT_LEADS} as lead, g % 10 < 6 as page
               from generate_series(1, ${COUNT_EVENTS}) g) s`,
  );
  for (const table of ['companies', 'leads', 'events']) await db.query(`analyze ${schema}.${table}`);
}

/** The median of `RUNS` timed calls, after one untimed call (plans and caches warm); with the last answer. */
export async function medianOf<T>(call: () => Promise<T>): Promise<{ ms: number; value: T }> {
  let value = await call();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const start = performance.now();
    value = await call();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(RUNS / 2)] ?? Number.NaN, value };
}
