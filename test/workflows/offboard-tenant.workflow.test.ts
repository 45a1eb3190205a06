import { ScheduleNotFoundError } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offboardTenantWorkflowId } from '../../workflows/offboarding/offboarding-dispatch.js';
import { reenrichScheduleId, retentionScheduleId, segmentWindowsScheduleId } from '../../workflows/tenant-schedules.js';
import { postSegment } from '../integration/ingest/segment-http.js';
import { rawRequest } from '../support/raw-request.js';
import { codeOf, createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../support/test-gateway.js';
import { startTestWorker } from '../support/test-worker.js';
import { startVendorServer, vendorConfig, type VendorServer } from '../support/vendor-server.js';
import { eventually } from '../support/eventually.js';

const FIELDS = 'id status requestedAt completedAt erased error';
const DELETE_TENANT = `mutation ($id: ID!) { deleteTenant(id: $id) { ${FIELDS} } }`;
const TENANT_DELETION = `query ($id: ID!) { tenantDeletion(id: $id) { ${FIELDS} } }`;

interface DeletionView {
  readonly id: string;
  readonly status: string;
  readonly requestedAt: string;
  readonly completedAt: string | null;
  readonly erased: Record<string, number>;
  readonly error: string | null;
}


describe('offboarding a tenant with deleteTenant', () => {
  let gateway: TestGateway;
  let second: TestGateway;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let vendor: VendorServer;
  let redis: Redis;
  // A webhook endpoint that always fails, so the tenant has a delivery workflow retrying when it is offboarded.
  let refusing: Server;

  beforeAll(async () => {
    vendor = await startVendorServer({ key: `sk_live_${randomBytes(8).toString('hex')}` });
    refusing = createServer((_req, res) => res.writeHead(500).end());
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const config = testConfig({ TEMPORAL_TASK_QUEUE: `offboard-${randomBytes(4).toString('hex')}`, RATE_LIMIT_PER_MINUTE: '1000000' });
    gateway = await startTestGateway({ config });
    // Another gateway instance on the same Redis and database, as in a deployment of several.
    second = await startTestGateway({ config, adminToken: gateway.adminToken });
    worker = await startTestWorker(gateway);
    redis = new Redis(config.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
  }, 120_000);

  afterAll(async () => {
    redis?.disconnect();
    await worker?.close();
    await second?.close();
    await gateway?.close();
    await vendor?.close();
    await new Promise<void>((resolve) => (refusing ? refusing.close(() => resolve()) : resolve()));
  });

  const gql = <T>(target: TestGateway, token: string, query: string, variables?: Record<string, unknown>): Promise<T> =>
    target.data<T>(token, query, variables);

  const redisKeysNaming = async (text: string): Promise<string[]> => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${text}*`, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  };

  const schedulesNaming = async (tenantId: string): Promise<string[]> => {
    const ids: string[] = [];
    for await (const schedule of gateway.services.temporalClient.schedule.list()) {
      if (schedule.scheduleId.endsWith(`:${tenantId}`)) ids.push(schedule.scheduleId);
    }
    return ids;
  };

  const runningWorkflowsNaming = async (tenantId: string): Promise<string[]> => {
    const ids: string[] = [];
    for await (const execution of gateway.services.temporalClient.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
      if (execution.workflowId.includes(tenantId)) ids.push(execution.workflowId);
    }
    return ids;
  };

  const schemaExists = async (tenantId: string): Promise<boolean> =>
    (await gateway.services.db.query('select 1 from information_schema.schemata where schema_name = $1', [`t_${tenantId}`])).length > 0;

  const ledgerRows = async (tenantId: string): Promise<number> =>
    (await gateway.services.db.query<{ n: number }>('select count(*)::int as n from control.credit_ledger where tenant_id = $1', [tenantId]))[0]?.n ?? 0;

  const ingest = (target: TestGateway, key: string, userId: string) =>
    postSegment(target, '/v1/track', { userId, event: 'Viewed Pricing', properties: { plan: 'pro' } }, { key });

  /** A tenant with data everywhere offboarding must reach. */
  async function populatedTenant(host: string): Promise<TestTenant> {
    const tenant = await createTenant(gateway, { credits: 100, pixelHosts: [host] });
    const as = <T>(query: string, variables?: Record<string, unknown>) => gql<T>(gateway, tenant.secretKey, query, variables);

    await as('mutation ($input: EnrichmentVendorInput!) { configureEnrichmentVendor(input: $input) { id } }', {
      input: { config: vendorConfig(vendor, { mode: 'sync', poll: undefined }), apiKey: vendor.key },
    });
    await as('mutation { updateEnrichmentSettings(input: { waterfall: ["vendor:clearbit-like"], autoEnrich: false }) { waterfall } }');
    const lead = (await as<{ identify: { id: string } }>('mutation { identify(input: { userId: "u-1", email: "ann@offboarded-corp.test" }) { id } }')).identify;
    await as('mutation ($e: [TrackInput!]!) { track(events: $e) { accepted } }', {
      e: [{ userId: 'u-1', event: 'Viewed Docs' }, { anonymousId: 'anon-1', event: 'Viewed Pricing' }],
    });
    expect((await ingest(gateway, tenant.publishableKey, 'u-2')).status).toBe(200);

    // An enrichment leaves the vendor's answer in the Redis answer cache.
    const job = (await as<{ enrichLead: { id: string } }>('mutation ($id: ID!) { enrichLead(id: $id) { id } }', { id: lead.id })).enrichLead;
    const done = await eventually(
      () => as<{ enrichmentJob: { status: string } }>('query ($id: ID!) { enrichmentJob(id: $id) { status } }', { id: job.id }),
      (read) => read.enrichmentJob.status === 'COMPLETED',
    );
    expect(done.enrichmentJob.status).toBe('COMPLETED');

    // A windowed segment (so a segment-windows schedule) that a failing webhook is told about: a delivery keeps retrying.
    const url = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/hooks`;
    await as('mutation ($i: WebhookInput!) { createWebhook(input: $i) { secret } }', { i: { url, events: ['SEGMENT_ENTERED'] } });
    await as('mutation ($i: SegmentInput!) { createSegment(input: $i) { id } }', {
      i: { name: 'Signed up this week', rule: { event: 'Signed Up', within: 'P7D' } },
    });
    await as('mutation ($e: [TrackInput!]!) { track(events: $e) { accepted } }', { e: [{ userId: 'u-1', event: 'Signed Up' }] });
    return tenant;
  }

  it('removes the dataset, keys, pixel hosts, schedules, workflows and caches, keeps the ledger, and leaves the other tenant alone', async () => {
    const hostA = `t.leaving-${randomBytes(3).toString('hex')}.test`;
    const hostB = `t.staying-${randomBytes(3).toString('hex')}.test`;
    const leaving = await populatedTenant(hostA);
    const staying = await createTenant(gateway, { credits: 10, pixelHosts: [hostB] });
    await gql(gateway, staying.secretKey, 'mutation { identify(input: { userId: "b-1", email: "bob@staying.test" }) { id } }');

    // Everything that must go is there first.
    const running = await eventually(() => runningWorkflowsNaming(leaving.id), (ids) => ids.some((id) => id.startsWith(`webhook:${leaving.id}:`)));
    expect(running.some((id) => id.startsWith(`webhook:${leaving.id}:`))).toBe(true);
    const expected = [reenrichScheduleId(leaving.id), segmentWindowsScheduleId(leaving.id)];
    const schedules = await eventually(() => schedulesNaming(leaving.id), (ids) => expected.every((id) => ids.includes(id)));
    expect(schedules).toEqual(expect.arrayContaining(expected));
    expect((await redisKeysNaming(leaving.id)).some((key) => key.includes(`enrich:answer:${leaving.id}:`))).toBe(true);
    const ledgerBefore = await ledgerRows(leaving.id);
    expect(ledgerBefore).toBeGreaterThan(1);
    const stayingSchedules = await eventually(() => schedulesNaming(staying.id), (ids) => ids.includes(reenrichScheduleId(staying.id)));
    expect(stayingSchedules).toContain(reenrichScheduleId(staying.id));
    // The second instance has the keys and the pixel host in its caches.
    expect((await second.gql(leaving.secretKey, '{ tenant { id } }')).data).toEqual({ tenant: { id: leaving.id } });
    expect((await ingest(second, leaving.publishableKey, 'u-3')).status).toBe(200);
    expect((await rawRequest(second.url, '/t.js', { host: hostA })).status).toBe(200);

    const requested = await gql<{ deleteTenant: DeletionView }>(gateway, gateway.adminToken, DELETE_TENANT, { id: leaving.id });
    expect(requested.deleteTenant).toMatchObject({ id: expect.any(String), status: expect.stringMatching(/^(QUEUED|RUNNING|COMPLETED)$/) });
    const deletionId = requested.deleteTenant.id;
    const finished = await eventually(
      () => gql<{ tenantDeletion: DeletionView | null }>(gateway, gateway.adminToken, TENANT_DELETION, { id: deletionId }),
      (read) => read.tenantDeletion?.status === 'COMPLETED',
      60_000,
    );
    expect(finished.tenantDeletion).toEqual({
      id: deletionId,
      status: 'COMPLETED',
      requestedAt: requested.deleteTenant.requestedAt,
      completedAt: expect.any(String),
      // Counts only: the secret and the publishable key, the host, the retrying delivery at least, the tables, the cached answer at least.
      erased: {
        apiKeys: 2,
        pixelHosts: 1,
        workflows: expect.toSatisfy((n: number) => n >= 1),
        tables: expect.toSatisfy((n: number) => n > 10),
        cacheEntries: expect.toSatisfy((n: number) => n >= 1),
        // The key its workflows' payloads were encrypted with: every history it left is unreadable (crypto-shredding).
        dataKeys: 1,
      },
      error: null,
    });

    // The dataset is gone; the tenant row stays, marked, with its ledger.
    expect(await schemaExists(leaving.id)).toBe(false);
    const [status] = await gateway.services.db.query<{ status: string }>('select status from control.tenants where id = $1', [leaving.id]);
    expect(status?.status).toBe('deleted');
    expect(await ledgerRows(leaving.id)).toBe(ledgerBefore);
    expect(await gateway.services.db.query('select 1 from control.pixel_hosts where tenant_id = $1', [leaving.id])).toEqual([]);
    expect(await gateway.services.db.query('select 1 from control.tenant_data_keys where tenant_id = $1 and sealed is not null', [leaving.id])).toEqual([]);
    expect(await gateway.services.dataKeys.current(leaving.id)).toBeUndefined();

    // No key works, on either instance, though the second had them cached.
    for (const target of [gateway, second]) {
      expect(codeOf(await target.gql(leaving.secretKey, '{ tenant { id } }'))).toBe('UNAUTHENTICATED');
      expect((await ingest(target, leaving.publishableKey, 'u-4')).status).toBe(401);
      expect((await rawRequest(target.url, `/t.js?k=${leaving.publishableKey}`)).status).toBe(401);
      // The white-label host serves nothing any more.
      const script = await rawRequest(target.url, '/t.js', { host: hostA });
      expect(script.status).not.toBe(200);
      expect(script.body.toString()).not.toContain('function');
      const beacon = await rawRequest(target.url, '/v1/batch', {
        host: hostA,
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ batch: [{ type: 'page', anonymousId: 'v1', properties: { path: '/' } }] }),
      });
      expect(beacon.status).toBe(401);
    }

    // Nothing of it is left running or scheduled, nor in Redis.
    expect(await schedulesNaming(leaving.id)).toEqual([]);
    // A schedule made late (a background ensure from creation or a worker's start that read the tenant as active) goes again.
    const lateRef = { tenantId: leaving.id, schema: `t_${leaving.id}` };
    expect(await gateway.services.schedules.ensure(lateRef)).toBe(false);
    expect(await gateway.services.schedules.ensureSegmentWindows(lateRef)).toBe(false);
    // Asked by id: Temporal's schedule list lags behind a deletion.
    for (const id of [reenrichScheduleId(leaving.id), retentionScheduleId(leaving.id), segmentWindowsScheduleId(leaving.id)]) {
      await expect(gateway.services.temporalClient.schedule.getHandle(id).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    }
    expect(await eventually(() => runningWorkflowsNaming(leaving.id), (ids) => ids.length === 0)).toEqual([]);
    expect(await redisKeysNaming(leaving.id)).toEqual([]);

    // The other tenant is untouched.
    expect(await schemaExists(staying.id)).toBe(true);
    expect((await gateway.gql(staying.secretKey, '{ tenant { id } }')).data).toEqual({ tenant: { id: staying.id } });
    expect((await second.gql(staying.secretKey, '{ tenant { id } }')).data).toEqual({ tenant: { id: staying.id } });
    expect((await ingest(second, staying.publishableKey, 'b-2')).status).toBe(200);
    expect((await rawRequest(second.url, '/t.js', { host: hostB })).status).toBe(200);
    expect(await schedulesNaming(staying.id)).toEqual(expect.arrayContaining(stayingSchedules));

    // Asking again returns the same request and starts nothing.
    const { runId } = await gateway.services.temporalClient.workflow.getHandle(offboardTenantWorkflowId(leaving.id)).describe();
    const replayed = await gql<{ deleteTenant: DeletionView }>(gateway, gateway.adminToken, DELETE_TENANT, { id: leaving.id });
    expect(replayed.deleteTenant).toEqual(finished.tenantDeletion);
    expect((await gateway.services.temporalClient.workflow.getHandle(offboardTenantWorkflowId(leaving.id)).describe()).runId).toBe(runId);
    expect((await gateway.gql(staying.secretKey, '{ tenant { id } }')).data).toEqual({ tenant: { id: staying.id } });
  }, 180_000);

  it('answers NOT_FOUND for an unknown tenant and null for an unknown request', async () => {
    const unknown = await gateway.gql(gateway.adminToken, DELETE_TENANT, { id: 'nosuchtenant00' });
    expect(codeOf(unknown)).toBe('NOT_FOUND');
    const read = await gateway.gql(gateway.adminToken, TENANT_DELETION, { id: 'tdel_nosuchrequest' });
    expect(read.errors).toBeUndefined();
    expect(read.data).toEqual({ tenantDeletion: null });
  });

  it("refuses a tenant's key, its own tenant or another's, and deletes nothing", async () => {
    const caller = await createTenant(gateway);
    const other = await createTenant(gateway);
    for (const id of [caller.id, other.id]) {
      expect(codeOf(await gateway.gql(caller.secretKey, DELETE_TENANT, { id }))).toBe('FORBIDDEN');
    }
    expect(codeOf(await gateway.gql(caller.secretKey, TENANT_DELETION, { id: 'tdel_anything' }))).toBe('FORBIDDEN');
    expect(codeOf(await gateway.gql(caller.publishableKey, DELETE_TENANT, { id: other.id }))).toBe('UNAUTHENTICATED');
    const recorded = await gateway.services.db.query('select 1 from control.tenant_deletions where tenant_id = any($1)', [[caller.id, other.id]]);
    expect(recorded).toEqual([]);
    for (const tenant of [caller, other]) {
      expect(await schemaExists(tenant.id)).toBe(true);
      expect((await gateway.gql(tenant.secretKey, '{ tenant { id } }')).data).toEqual({ tenant: { id: tenant.id } });
    }
  });
});
