import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERSONAL_STORES, STORE_PAGE, type PersonalStore } from '../../modules/privacy/expired-data.js';
import { createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../support/test-gateway.js';
import { startTestWorker } from '../support/test-worker.js';
import { daysAgo, runRetention, tenantSql } from './retention-run.js';

type Windows = Readonly<Record<PersonalStore, number>>;

/** What a new tenant keeps, in days (deadLetters: the events' window). */
const DEFAULTS: Windows = { sessions: 396, webhookDeliveries: 30, vendorBodies: 90, companyAnswers: 90, consentChanges: 1095, exports: 7, deadLetters: 396 };

const SETTINGS = `mutation ($input: TrackingSettingsInput!) {
  updateTrackingSettings(input: $input) { eventRetentionDays sessionRetentionDays webhookDeliveryRetentionDays vendorBodyRetentionDays consentRetentionDays exportRetentionDays }
}`;

const expiredEach = (n: number) => Object.fromEntries(PERSONAL_STORES.map((store) => [store, n]));

describe('retention: every personal store emptied past its window by the daily workflow', () => {
  let gateway: TestGateway;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let sql: ReturnType<typeof tenantSql>;

  beforeAll(async () => {
    gateway = await startTestGateway({ config: testConfig({ TEMPORAL_TASK_QUEUE: `retention-stores-${randomBytes(4).toString('hex')}` }) });
    worker = await startTestWorker(gateway);
    sql = tenantSql(gateway);
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await gateway?.close();
  });

  /** One row in every store, `days` old for that store, each named `tag` (an export as made under the default week). */
  async function seed(tenant: TestTenant, tag: string, days: Windows): Promise<void> {
    await sql(tenant, `insert into {t}.leads (id, first_seen_at) values ('ld_r', now()) on conflict do nothing`);
    await sql(tenant, `insert into {t}.webhooks (id, url, events, sealed_secret) values ('wh_r', 'https://hooks.test/r', '{lead.scored}', 'sealed') on conflict do nothing`);
    const rows: Array<[string, Array<string | number>]> = [
      [`insert into {t}.sessions (id, lead_id, started_at, last_activity_at) values ($1, 'ld_r', $2, $2)`, [tag, daysAgo(days.sessions)]],
      [`insert into {t}.webhook_deliveries (id, webhook_id, event_type, payload, created_at) values ($1, 'wh_r', 'lead.scored', '{"email":"a@b.test"}', $2)`, [tag, daysAgo(days.webhookDeliveries)]],
      [`insert into {t}.enrichment_calls (job_id, provider, outcome, raw, at) values ($1, 'vendor', 'failure', '{"person":"a@b.test"}', $2)`, [tag, daysAgo(days.vendorBodies)]],
      [`insert into {t}.company_answers (domain, provider, answer, fetched_at, expires_at) values ($1, 'vendor', '{}', $2, now() + interval '1 day')`, [tag, daysAgo(days.companyAnswers)]],
      [`insert into {t}.consent_changes (lead_id, granted, source, at) values ('ld_r', true, $1, $2)`, [tag, daysAgo(days.consentChanges)]],
      [`insert into {t}.export_requests (id, status, document, requested_at, expires_at) values ($1, 'COMPLETED', '{}', $2, $2::timestamptz + interval '7 days')`, [tag, daysAgo(days.exports)]],
      [`insert into {t}.ingest_dead_letters (lane, position, message_id, received_at, error, message) values (0, $3, $1, $2, 'x', '{}')`, [tag, daysAgo(days.deadLetters), tag.length]],
    ];
    for (const [text, values] of rows) await sql(tenant, text, values);
  }

  const shifted = (windows: Windows, by: number): Windows =>
    Object.fromEntries(PERSONAL_STORES.map((store) => [store, windows[store] + by])) as Record<PersonalStore, number>;

  /** The tags left in each store (vendor bodies: calls that still hold one). */
  async function left(tenant: TestTenant): Promise<Record<string, string[]>> {
    const rows = await sql<{ store: string; tag: string }>(
      tenant,
      `select 'sessions' as store, id as tag from {t}.sessions
       union all select 'webhookDeliveries', id from {t}.webhook_deliveries
       union all select 'vendorBodies', job_id from {t}.enrichment_calls where raw is not null
       union all select 'companyAnswers', domain from {t}.company_answers
       union all select 'consentChanges', source from {t}.consent_changes
       union all select 'exports', id from {t}.export_requests
       union all select 'deadLetters', message_id from {t}.ingest_dead_letters
       order by 1, 2`,
    );
    const found: Record<string, string[]> = Object.fromEntries(PERSONAL_STORES.map((store) => [store, []]));
    for (const row of rows) found[row.store]?.push(row.tag);
    return found;
  }

  const everywhere = (...tags: string[]) => Object.fromEntries(PERSONAL_STORES.map((store) => [store, tags]));

  it("deletes what is past the default windows, keeps what is inside them, and leaves other tenants' rows alone", async () => {
    const tenant = await createTenant(gateway);
    const other = await createTenant(gateway);
    for (const t of [tenant, other]) {
      await seed(t, 'old', shifted(DEFAULTS, 1));
      await seed(t, 'young', shifted(DEFAULTS, -1));
    }

    expect(await runRetention(gateway, tenant)).toEqual({ deleted: 0, masked: 0, expired: expiredEach(1) });
    expect(await left(tenant)).toEqual(everywhere('young'));
    // The call's record stays; only the vendor's body went.
    expect(await sql(tenant, 'select job_id, raw from {t}.enrichment_calls order by job_id')).toEqual([
      { job_id: 'old', raw: null },
      { job_id: 'young', raw: '{"person":"a@b.test"}' },
    ]);
    expect(await left(other)).toEqual(everywhere('old', 'young'));
    // Run again: nothing left to do.
    expect(await runRetention(gateway, tenant)).toEqual({ deleted: 0, masked: 0, expired: expiredEach(0) });
  }, 120_000);

  it("applies the tenant's own windows, set through the API, to rows already stored; a session's events go with it", async () => {
    const tenant = await createTenant(gateway);
    const windows: Windows = { sessions: 10, webhookDeliveries: 5, vendorBodies: 20, companyAnswers: 20, consentChanges: 30, exports: 2, deadLetters: 40 };
    const set = await gateway.data<{ updateTrackingSettings: Record<string, number> }>(tenant.secretKey, SETTINGS, {
      input: {
        eventRetentionDays: 40,
        sessionRetentionDays: 10,
        webhookDeliveryRetentionDays: 5,
        vendorBodyRetentionDays: 20,
        consentRetentionDays: 30,
        exportRetentionDays: 2,
      },
    });
    expect(set.updateTrackingSettings).toMatchObject({ sessionRetentionDays: 10, exportRetentionDays: 2 });
    await seed(tenant, 'old', shifted(windows, 1));
    await seed(tenant, 'young', shifted(windows, -1));
    // Events inside their own window (40 days): in the old session, in the young one, and in none.
    const event = (messageId: string, session: string | null) =>
      sql(tenant, `insert into {t}.events (message_id, type, name, lead_id, session_id, at) values ($1, 'track', 'Seen', 'ld_r', $2, $3)`, [messageId, session, daysAgo(11)]);
    await event('in-old-session', 'old');
    await event('in-young-session', 'young');
    await event('sessionless', null);

    // The old export was made to last a week: the shorter window takes it now.
    expect(await runRetention(gateway, tenant)).toEqual({ deleted: 1, masked: 0, expired: expiredEach(1) });
    expect(await left(tenant)).toEqual(everywhere('young'));
    expect((await sql<{ message_id: string }>(tenant, 'select message_id from {t}.events order by message_id')).map((r) => r.message_id)).toEqual([
      'in-young-session',
      'sessionless',
    ]);
  }, 120_000);

  it('deletes in pages, across activity calls, until nothing past the window is left', async () => {
    const tenant = await createTenant(gateway);
    // More than ten pages: more than one activity call.
    const old = STORE_PAGE * 10 + 7;
    await sql(
      tenant,
      `insert into {t}.consent_changes (anonymous_id, granted, source, at) select 'v' || n, n % 2 = 0, 'banner', $2 from generate_series(1, $1) n`,
      [old, daysAgo(DEFAULTS.consentChanges + 3)],
    );
    await seed(tenant, 'young', shifted(DEFAULTS, -1));

    const first = await runRetention(gateway, tenant);
    expect(first.expired).toEqual({ ...expiredEach(0), consentChanges: old });
    expect(await left(tenant)).toEqual(everywhere('young'));
    expect((await runRetention(gateway, tenant)).expired).toEqual(expiredEach(0));
  }, 120_000);
});
