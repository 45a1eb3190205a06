import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identify, tenantRows, trackEvents } from '../integration/leads/lead-operations.js';
import { createTenant, startTestGateway, testConfig, type TestGateway } from '../support/test-gateway.js';
import { spawnWorker } from '../support/worker-child.js';
import { deletionRequest, eventually, requestDeletion } from './privacy-operations.js';

const EVENTS = 50_000;

describe('a worker killed with SIGKILL in the middle of an erasure', () => {
  let gateway: TestGateway;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    gateway = await startTestGateway({ config: testConfig({ TEMPORAL_TASK_QUEUE: `delete-crash-${randomBytes(4).toString('hex')}` }) });
  }, 120_000);

  afterAll(async () => {
    for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    await gateway?.close();
  }, 60_000);

  it('is finished by another worker: every event gone, each counted once', async () => {
    const first = await spawnWorker(gateway);
    workers.push(first);
    const tenant = await createTenant(gateway);
    const rows = <T extends object>(sql: string, values: string[] = []) => tenantRows<T>(gateway, tenant.id, sql, values);
    await gateway.gql(tenant.secretKey, 'mutation { updateEnrichmentSettings(input: { autoEnrich: false }) { autoEnrich } }');
    await trackEvents(gateway, tenant.secretKey, [{ anonymousId: 'crash-device', event: 'Opened app' }]);
    const lead = await identify(gateway, tenant.secretKey, { anonymousId: 'crash-device', userId: 'crash-user', email: 'crash@erase.example' });
    const [session] = await rows<{ id: string }>('select id from {t}.sessions where lead_id = $1 limit 1', [lead.id]);
    await rows(
      `insert into {t}.events (message_id, type, name, lead_id, session_id, anonymous_id, at)
       select 'crash-' || g, 'track', 'Viewed Page', $1, $2, 'crash-device', now() - g * interval '1 second' from generate_series(1, ${EVENTS}) g`,
      [lead.id, session!.id],
    );
    const [held] = await rows<{ n: number }>('select count(*)::int as n from {t}.events where lead_id = $1', [lead.id]);

    const request = await requestDeletion(gateway, tenant, { email: 'crash@erase.example' });
    // Killed once the erasure of events is under way: some pages done, most still to do.
    const progress = () => rows<{ status: string; events: number | null }>("select status, (erased->>'events')::int as events from {t}.deletion_requests where id = $1", [request.id]);
    const underWay = await eventually(progress, ([row]) => (row?.events ?? 0) > 0 || row?.status === 'COMPLETED', 60_000, 'erasure under way');
    first.kill('SIGKILL');
    await new Promise((resolve) => (first.exitCode === null && first.signalCode === null ? first.once('exit', resolve) : resolve(undefined)));
    expect(first.signalCode).toBe('SIGKILL');
    expect(underWay[0]?.status).toBe('RUNNING');
    const [left] = await rows<{ n: number }>('select count(*)::int as n from {t}.events where lead_id = $1', [lead.id]);
    expect(left!.n).toBeGreaterThan(0);
    expect(left!.n).toBeLessThan(held!.n);

    workers.push(await spawnWorker(gateway));
    const done = await eventually(() => deletionRequest(gateway, tenant, request.id), (r) => r?.status === 'COMPLETED' || r?.status === 'FAILED', 120_000, 'deletion completed');
    expect(done?.status).toBe('COMPLETED');
    // Each page's count is written in the transaction that erased it: the page the dead worker was in counts once, or not at all.
    expect(done?.erased?.['events']).toBe(held!.n);
    expect(done?.erased?.['leads']).toBe(1);
    expect(await rows('select id from {t}.events')).toEqual([]);
    expect(await rows('select id from {t}.leads')).toEqual([]);
  }, 300_000);
});
