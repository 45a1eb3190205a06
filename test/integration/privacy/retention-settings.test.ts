import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_API_KEY } from '../api-keys/api-key-operations.js';
import { codeOf, createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { startTestWorker } from '../../support/test-worker.js';
import { exportPerson } from '../../workflows/privacy-operations.js';

const WINDOWS = 'eventRetentionDays sessionRetentionDays webhookDeliveryRetentionDays vendorBodyRetentionDays consentRetentionDays exportRetentionDays';
const UPDATE = `mutation ($input: TrackingSettingsInput!) { updateTrackingSettings(input: $input) { ${WINDOWS} } }`;
const READ = `{ tenant { settings { ${WINDOWS} } } }`;

const DEFAULTS = {
  eventRetentionDays: 396,
  sessionRetentionDays: 396,
  webhookDeliveryRetentionDays: 30,
  vendorBodyRetentionDays: 90,
  consentRetentionDays: 1095,
  exportRetentionDays: 7,
};

const DAY_MS = 24 * 60 * 60 * 1000;

describe("retention windows: each personal store's, per tenant, through the tracking settings", () => {
  let gateway: TestGateway;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;

  beforeAll(async () => {
    gateway = await startTestGateway({ config: testConfig({ TEMPORAL_TASK_QUEUE: `retention-settings-${randomBytes(4).toString('hex')}` }) });
    worker = await startTestWorker(gateway);
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await gateway?.close();
  });

  const windowsOf = async (tenant: TestTenant) => (await gateway.data<{ tenant: { settings: typeof DEFAULTS } }>(tenant.secretKey, READ)).tenant.settings;

  it('starts from the defaults, saves the windows given, keeps the others, and dates exports by their window', async () => {
    const tenant = await createTenant(gateway);
    expect(await windowsOf(tenant)).toEqual(DEFAULTS);

    const changed = { sessionRetentionDays: 30, webhookDeliveryRetentionDays: 3, vendorBodyRetentionDays: 14, consentRetentionDays: 3650, exportRetentionDays: 2 };
    const updated = await gateway.data<{ updateTrackingSettings: typeof DEFAULTS }>(tenant.secretKey, UPDATE, { input: changed });
    expect(updated.updateTrackingSettings).toEqual({ ...DEFAULTS, ...changed });
    await gateway.data(tenant.secretKey, UPDATE, { input: { webhookDeliveryRetentionDays: 45 } });
    expect(await windowsOf(tenant)).toEqual({ ...DEFAULTS, ...changed, webhookDeliveryRetentionDays: 45 });

    const made = await exportPerson(gateway, tenant, { email: 'nobody@retention.example' });
    expect(Date.parse(made.expiresAt) - Date.parse(made.requestedAt)).toBe(2 * DAY_MS);
  }, 60_000);

  it('refuses a window out of its range with the field, and saves nothing of that input', async () => {
    const tenant = await createTenant(gateway);
    for (const [field, value] of [
      ['sessionRetentionDays', 0],
      ['sessionRetentionDays', 3651],
      ['webhookDeliveryRetentionDays', -1],
      ['webhookDeliveryRetentionDays', 3651],
      ['vendorBodyRetentionDays', 0],
      ['vendorBodyRetentionDays', 5000],
      ['consentRetentionDays', 0],
      ['consentRetentionDays', 3651],
      ['exportRetentionDays', 0],
      ['exportRetentionDays', 91],
    ] as const) {
      // A valid window beside the bad one: the input is saved whole or not at all.
      const response = await gateway.gql(tenant.secretKey, UPDATE, { input: { eventRetentionDays: 30, [field]: value } });
      expect({ field, value, code: codeOf(response), path: response.errors?.[0]?.extensions?.['argumentPath'] }).toEqual({
        field,
        value,
        code: 'BAD_USER_INPUT',
        path: ['input', field],
      });
    }
    const outOfRange = await gateway.gql(tenant.secretKey, UPDATE, { input: { exportRetentionDays: 91 } });
    expect(outOfRange.errors?.[0]?.message).toContain('at most 90 days');
    expect(await windowsOf(tenant)).toEqual(DEFAULTS);
  });

  it('needs a key that may change the tenant: a reader reads, and cannot write', async () => {
    const tenant = await createTenant(gateway);
    const created = await gateway.data<{ createApiKey: { key: string } }>(tenant.secretKey, CREATE_API_KEY, { input: { name: 'reader', scopes: ['tenant:read'] } });
    const reader = created.createApiKey.key;
    expect(codeOf(await gateway.gql(reader, UPDATE, { input: { consentRetentionDays: 1 } }))).toBe('FORBIDDEN');
    expect(codeOf(await gateway.gql(tenant.publishableKey, UPDATE, { input: { consentRetentionDays: 1 } }))).toBe('UNAUTHENTICATED');
    expect((await gateway.data<{ tenant: { settings: typeof DEFAULTS } }>(reader, READ)).tenant.settings).toEqual(DEFAULTS);
  });

  it("changes the caller's tenant only", async () => {
    const a = await createTenant(gateway);
    const b = await createTenant(gateway);
    await gateway.data(a.secretKey, UPDATE, { input: { sessionRetentionDays: 5, exportRetentionDays: 1 } });
    expect(await windowsOf(a)).toEqual({ ...DEFAULTS, sessionRetentionDays: 5, exportRetentionDays: 1 });
    expect(await windowsOf(b)).toEqual(DEFAULTS);
    const made = await exportPerson(gateway, b, { email: 'nobody@retention.example' });
    expect(Date.parse(made.expiresAt) - Date.parse(made.requestedAt)).toBe(7 * DAY_MS);
  }, 60_000);
});
