import { randomBytes } from 'node:crypto';
import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskIp } from '../../intelligence/ip/mask-ip.js';
import { PERSONAL_STORES } from '../../modules/privacy/expired-data.js';
import { retentionScheduleId } from '../../workflows/tenant-schedules.js';
import type { RetentionSummary } from '../../workflows/retention/retention.workflow.js';
import { postSegment } from '../integration/ingest/segment-http.js';
import { createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../support/test-gateway.js';
import { startTestWorker } from '../support/test-worker.js';
import { DAY_MS, runRetention as runPass, tenantSql } from './retention-run.js';

/** A pass that found nothing past its window in the other personal stores. */
const summary = (deleted: number, masked: number): RetentionSummary => ({
  deleted,
  masked,
  expired: Object.fromEntries(PERSONAL_STORES.map((store) => [store, 0])),
});
const SETTINGS = 'mutation ($input: TrackingSettingsInput!) { updateTrackingSettings(input: $input) { ipStorage eventRetentionDays } }';

describe('retention: expired events deleted and stored addresses masked, by a daily workflow per tenant', () => {
  let gateway: TestGateway;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;

  beforeAll(async () => {
    gateway = await startTestGateway({ config: testConfig({ TEMPORAL_TASK_QUEUE: `retention-${randomBytes(4).toString('hex')}` }) });
    worker = await startTestWorker(gateway);
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await gateway?.close();
  });

  const sql = <T extends object>(tenant: TestTenant, text: string, values?: readonly (string | number)[]) => tenantSql(gateway)<T>(tenant, text, values);
  const runRetention = (tenant: TestTenant): Promise<RetentionSummary> => runPass(gateway, tenant);

  async function settings(tenant: TestTenant, input: Record<string, unknown>): Promise<void> {
    await gateway.data(tenant.secretKey, SETTINGS, { input });
  }

  /** Events of the given ages (days), with ids far apart so the walk crosses many id ranges and activity calls. */
  async function eventsAged(tenant: TestTenant, ages: readonly number[]): Promise<void> {
    for (const [i, age] of ages.entries()) {
      await sql(
        tenant,
        `insert into {t}.events (id, message_id, type, name, lead_id, at) overriding system value values ($1, $2, 'track', $3, 'ld_x', $4)`,
        [1 + i * 97_000, `m-${i}`, `aged ${age}`, new Date(Date.now() - age * DAY_MS).toISOString()],
      );
    }
  }

  const namesOf = async (tenant: TestTenant) => (await sql<{ name: string }>(tenant, 'select name from {t}.events order by id')).map((r) => r.name);

  it("deletes the tenant's events past its retention, keeps the younger ones and other tenants' alike", async () => {
    const tenant = await createTenant(gateway);
    const other = await createTenant(gateway);
    await eventsAged(tenant, [800, 400, 395, 30, 0]);
    await eventsAged(other, [800, 400]);

    // The default: 396 days, about 13 months.
    expect(await runRetention(tenant)).toEqual(summary(2, 0));
    expect(await namesOf(tenant)).toEqual(['aged 395', 'aged 30', 'aged 0']);
    expect(await namesOf(other)).toEqual(['aged 800', 'aged 400']);

    await settings(tenant, { eventRetentionDays: 7 });
    expect(await runRetention(tenant)).toEqual(summary(2, 0));
    expect(await namesOf(tenant)).toEqual(['aged 0']);
    // Nothing left to do is done quickly and changes nothing.
    expect(await runRetention(tenant)).toEqual(summary(0, 0));
    expect(await namesOf(other)).toEqual(['aged 800', 'aged 400']);
  }, 120_000);

  it('brings stored addresses in line with a new ip_storage, exactly as ingestion would have stored them', async () => {
    const tenant = await createTenant(gateway);
    const addresses = ['203.0.113.77', '2001:db8:abcd:12::1', '2001:DB8:0:1::5', '::ffff:198.51.100.9'];
    const sent = await postSegment(
      gateway,
      '/v1/batch',
      { batch: addresses.map((ip, i) => ({ type: 'page', anonymousId: `ip-visitor-${i}`, name: 'Home', context: { ip } })) },
      { key: tenant.publishableKey },
    );
    expect(sent.status).toBe(200);
    const stored = async () => ({
      events: (await sql<{ ip: string | null }>(tenant, `select context->>'ip' as ip from {t}.events order by anonymous_id`)).map((r) => r.ip),
      sessions: (await sql<{ ip: string | null }>(tenant, 'select ip from {t}.sessions order by anonymous_id')).map((r) => r.ip),
    });
    const full = addresses.map((ip) => maskIp(ip, 'full'));
    expect(await stored()).toEqual({ events: full, sessions: full });

    await settings(tenant, { ipStorage: 'truncated' });
    const truncated = addresses.map((ip) => maskIp(ip, 'truncated'));
    expect(truncated).toEqual(['203.0.113.0', '2001:db8:abcd::', '2001:db8:0::', '198.51.100.0']);
    expect(await runRetention(tenant)).toEqual(summary(0, 8));
    expect(await stored()).toEqual({ events: truncated, sessions: truncated });
    // New events are stored truncated by ingestion itself; a second run finds nothing to change.
    expect(await runRetention(tenant)).toEqual(summary(0, 0));

    await settings(tenant, { ipStorage: 'none' });
    expect(await runRetention(tenant)).toEqual(summary(0, 8));
    expect(await stored()).toEqual({ events: [null, null, null, null], sessions: [null, null, null, null] });
  }, 120_000);

  it('runs daily from a schedule made with the tenant, removed with its schedules', async () => {
    const tenant = await createTenant(gateway);
    const handle = gateway.services.temporalClient.schedule.getHandle(retentionScheduleId(tenant.id));
    const deadline = Date.now() + 20_000;
    let description: Awaited<ReturnType<typeof handle.describe>> | undefined;
    while (description === undefined && Date.now() < deadline) {
      description = await handle.describe().catch(async (error: unknown) => {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
        return undefined;
      });
    }
    expect(description?.action).toMatchObject({ type: 'startWorkflow', workflowType: 'retentionWorkflow', args: [{ tenantId: tenant.id, schema: `t_${tenant.id}` }] });
    expect(description?.spec.intervals).toEqual([expect.objectContaining({ every: DAY_MS })]);

    await gateway.services.schedules.remove(tenant.id);
    await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  }, 60_000);
});
