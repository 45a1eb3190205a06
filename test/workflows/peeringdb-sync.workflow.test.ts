import { randomBytes, randomInt } from 'node:crypto';
import { ApplicationFailure, ScheduleNotFoundError, WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPeeringDbNetworks, type PeeringDbNetworks } from '../../platform/network/peeringdb-networks.js';
import { ensurePeeringDbSchedule, peeringDbScheduleId } from '../../workflows/peeringdb/peeringdb-schedule.js';
import type { PeeringDbSyncSummary } from '../../workflows/peeringdb/sync-peeringdb.workflow.js';
import { peeringDbNet, startPeeringDbServer, type PeeringDbServer } from '../support/peeringdb-server.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, testConfig, type TestGateway } from '../support/test-gateway.js';
import { startTestWorker } from '../support/test-worker.js';

const run = randomBytes(4).toString('hex');
const API_KEY = `pdb-${randomBytes(8).toString('hex')}`;
// Private-use ASNs, apart for each run: the table is the platform's, shared by every test of the run.
const BASE_ASN = 4_200_000_000 + randomInt(0, 90_000_000);
const FIRST_ID = randomInt(1, 1_000_000);
const NETWORKS = 520; // two full pages of 250 and a short one
const DAY_MS = 24 * 60 * 60 * 1000;
const OLD = Date.parse('2025-01-01T00:00:00Z');

const asnOf = (i: number): number => BASE_ASN + i;
const at = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

describe('PeeringDB sync: a durable workflow on the real Temporal server, against a local PeeringDB', () => {
  let peeringDb: PeeringDbServer;
  let gateway: TestGateway;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let networks: PeeringDbNetworks;

  beforeAll(async () => {
    const records = Array.from({ length: NETWORKS }, (_, i) =>
      peeringDbNet({
        id: FIRST_ID + i,
        asn: asnOf(i),
        name: `Network ${i}`,
        info_type: i % 2 === 0 ? 'Cable/DSL/ISP' : 'Content',
        info_types: i % 2 === 0 ? ['Cable/DSL/ISP'] : ['Content', 'Enterprise'],
        website: i % 3 === 0 ? '' : `https://network-${i}.example`,
        updated: at(OLD + i * DAY_MS),
      }),
    );
    // Not listed by a full read: a pending record, and a record deleted long ago.
    records.push(peeringDbNet({ id: FIRST_ID + NETWORKS, asn: asnOf(NETWORKS), name: 'Pending', updated: at(OLD), status: 'pending' }));
    records.push(peeringDbNet({ id: FIRST_ID + NETWORKS + 1, asn: asnOf(NETWORKS + 1), name: 'Gone', updated: at(OLD), status: 'deleted' }));
    // A record the sync cannot read: skipped with its reason, the rest stored.
    records.push(peeringDbNet({ id: FIRST_ID + NETWORKS + 2, asn: 0, name: 'No ASN', updated: at(OLD) }));
    peeringDb = await startPeeringDbServer({ records, apiKey: API_KEY });
    gateway = await startTestGateway({
      config: testConfig({ PEERINGDB_URL: peeringDb.url, PEERINGDB_API_KEY: API_KEY, PEERINGDB_SYNC_HOURS: '6', TEMPORAL_TASK_QUEUE: `peeringdb-${run}` }),
    });
    worker = await startTestWorker(gateway);
    networks = createPeeringDbNetworks(gateway.services.control);
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await gateway?.close();
    await peeringDb?.close();
  });

  const sync = (): Promise<PeeringDbSyncSummary> =>
    gateway.services.temporalClient.workflow.execute('syncPeeringDbWorkflow', {
      taskQueue: gateway.config.TEMPORAL_TASK_QUEUE,
      workflowId: `peeringdb:sync:test-${randomBytes(4).toString('hex')}`,
      args: [{}],
    });

  it('reads every live network the first time, page by page, with the API key, and stores what it can read', async () => {
    const summary = await sync();
    expect(summary).toMatchObject({ full: true, pages: 3, received: NETWORKS + 1, upserted: NETWORKS, deleted: 0, rateLimited: 0 });
    expect(summary.rejected).toEqual([expect.stringMatching(/^record 520: asn: /)]);

    const requests = peeringDb.requests.filter((r) => r.path === '/api/net');
    expect(requests.map((r) => r.query['skip'])).toEqual(['0', '250', '500']);
    for (const request of requests) {
      expect(request).toMatchObject({ authorization: `Api-Key ${API_KEY}`, status: 200, query: { status: 'ok', depth: '0', limit: '250' } });
      expect(request.query['since']).toBeUndefined();
    }

    expect(await networks.find(asnOf(0))).toMatchObject({ asn: asnOf(0), name: 'Network 0', infoType: 'Cable/DSL/ISP', infoTypes: ['Cable/DSL/ISP'], updatedAt: new Date(at(OLD)) });
    expect(await networks.find(asnOf(0))).not.toHaveProperty('website');
    expect(await networks.find(asnOf(1))).toMatchObject({ infoType: 'Content', infoTypes: ['Content', 'Enterprise'], website: 'https://network-1.example' });
    expect(await networks.find(asnOf(NETWORKS - 1))).toMatchObject({ name: `Network ${NETWORKS - 1}` });
    expect(await networks.find(asnOf(NETWORKS))).toBeUndefined();
    expect(await networks.find(asnOf(NETWORKS + 1))).toBeUndefined();
  }, 120_000);

  it('then reads only what changed since, deletions included, waiting out a rate limit', async () => {
    const now = Date.now();
    peeringDb.put(peeringDbNet({ id: FIRST_ID + 3, asn: asnOf(3), name: 'Network 3, renamed', info_type: 'Enterprise', info_types: ['Enterprise'], updated: at(now) }));
    peeringDb.put(peeringDbNet({ id: FIRST_ID + 4, asn: asnOf(4), name: 'Network 4', updated: at(now), status: 'deleted' }));
    peeringDb.put(peeringDbNet({ id: FIRST_ID + 900, asn: asnOf(900), name: 'Newcomer', info_type: 'NSP', updated: at(now) }));
    // A deleted record of an ASN now held by another record removes nothing.
    peeringDb.put(peeringDbNet({ id: FIRST_ID + 901, asn: asnOf(5), name: 'Network 5, old record', updated: at(now), status: 'deleted' }));
    peeringDb.throttle(1, 1);
    const before = peeringDb.requests.length;

    const summary = await sync();
    // The last record of the full read (changed at the `since` second) is read again, harmlessly.
    expect(summary).toMatchObject({ full: false, pages: 1, received: 5, upserted: 3, deleted: 1, rateLimited: 1, rejected: [] });

    const requests = peeringDb.requests.slice(before);
    expect(requests.map((r) => r.status)).toEqual([429, 200]);
    expect(requests[1]?.query).toMatchObject({ since: String(Math.floor(Date.parse(at(OLD + (NETWORKS - 1) * DAY_MS)) / 1000)), depth: '0', skip: '0' });
    expect(requests[1]?.query['status']).toBeUndefined();

    expect(await networks.find(asnOf(3))).toMatchObject({ name: 'Network 3, renamed', infoType: 'Enterprise', updatedAt: new Date(at(now)) });
    expect(await networks.find(asnOf(4))).toBeUndefined();
    expect(await networks.find(asnOf(5))).toMatchObject({ name: 'Network 5' });
    expect(await networks.find(asnOf(900))).toMatchObject({ name: 'Newcomer', infoType: 'NSP' });
    expect(await networks.find(asnOf(6))).toMatchObject({ name: 'Network 6' });
  }, 120_000);

  it('is scheduled where configured, syncing at once, and not where it is not', async () => {
    const { temporalClient: client } = gateway.services;
    const taskQueue = gateway.config.TEMPORAL_TASK_QUEUE;
    const handle = client.schedule.getHandle(peeringDbScheduleId(taskQueue));
    const before = peeringDb.requests.length;

    expect(await ensurePeeringDbSchedule({ client, taskQueue, configured: true, everyHours: gateway.config.PEERINGDB_SYNC_HOURS })).toBe(true);
    const schedule = await handle.describe();
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'syncPeeringDbWorkflow', taskQueue });
    expect(schedule.spec.intervals?.map((i) => i.every)).toEqual([6 * 60 * 60 * 1000]);
    // Its first sync starts at once: the run it started finishes with the changes since the last one.
    const actions = await eventually(
      async () => (await handle.describe()).info.recentActions,
      (recent) => recent.length > 0,
    );
    const started = actions[0]?.action.workflow;
    if (started === undefined) throw new Error('the schedule started no sync');
    const summary: PeeringDbSyncSummary = await client.workflow.getHandle(started.workflowId, started.firstExecutionRunId).result();
    expect(summary).toMatchObject({ full: false, rejected: [] });
    expect(peeringDb.requests.length).toBeGreaterThan(before);
    // Made again, it is kept, brought to the configured interval.
    expect(await ensurePeeringDbSchedule({ client, taskQueue, configured: true, everyHours: 12 })).toBe(false);
    expect((await handle.describe()).spec.intervals?.map((i) => i.every)).toEqual([12 * 60 * 60 * 1000]);

    // Unconfigured: the schedule is removed, and none is made.
    expect(await ensurePeeringDbSchedule({ client, taskQueue, configured: false, everyHours: 24 })).toBe(false);
    await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    const otherQueue = `peeringdb-unconfigured-${run}`;
    expect(await ensurePeeringDbSchedule({ client, taskQueue: otherQueue, configured: false, everyHours: 24 })).toBe(false);
    await expect(client.schedule.getHandle(peeringDbScheduleId(otherQueue)).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  }, 120_000);

  it('does not run where PEERINGDB_URL is not set: the sync fails at once, for good, saying so', async () => {
    const unconfigured = await startTestGateway({ config: testConfig({ TEMPORAL_TASK_QUEUE: `peeringdb-off-${run}` }) });
    const offWorker = await startTestWorker(unconfigured);
    try {
      const before = peeringDb.requests.length;
      const attempt = unconfigured.services.temporalClient.workflow.execute('syncPeeringDbWorkflow', {
        taskQueue: unconfigured.config.TEMPORAL_TASK_QUEUE,
        workflowId: `peeringdb:sync:test-off-${randomBytes(4).toString('hex')}`,
        args: [{}],
      });
      await expect(attempt).rejects.toThrow(WorkflowFailedError);
      const failure = await attempt.catch((error: unknown) => (error instanceof WorkflowFailedError ? error.cause?.cause : undefined));
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: 'NotConfigured', nonRetryable: true, message: 'PeeringDB sync is not configured (PEERINGDB_URL)' });
      expect(peeringDb.requests.length).toBe(before);
    } finally {
      await offWorker.close();
      await unconfigured.close();
    }
  }, 120_000);
});
