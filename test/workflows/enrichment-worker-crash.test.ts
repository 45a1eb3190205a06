import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../support/test-gateway.js';
import { startVendorServer, vendorConfig, type VendorServer } from '../support/vendor-server.js';
import { spawnWorker } from '../support/worker-child.js';

const VENDOR = 'vendor:clearbit-like';

describe('a worker killed with SIGKILL in the middle of an enrichment', () => {
  let gateway: TestGateway;
  let vendor: VendorServer;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    vendor = await startVendorServer({ key: `sk_live_${randomBytes(8).toString('hex')}` });
    gateway = await startTestGateway({ config: testConfig({ TEMPORAL_TASK_QUEUE: `enrich-crash-${randomBytes(4).toString('hex')}` }) });
  }, 120_000);

  afterAll(async () => {
    for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
    await gateway?.close();
    await vendor?.close();
  }, 60_000);

  const gql = <T>(tenant: TestTenant, query: string, variables?: Record<string, unknown>): Promise<T> =>
    gateway.data<T>(tenant.secretKey, query, variables);

  it('is finished by another worker, and the ledger shows the provider call charged once', async () => {
    const first = await spawnWorker(gateway);
    workers.push(first);
    const tenant = await createTenant(gateway, { credits: 1000 });
    await gql(tenant, 'mutation ($input: EnrichmentVendorInput!) { configureEnrichmentVendor(input: $input) { id } }', {
      input: { config: vendorConfig(vendor, { mode: 'sync', poll: undefined }), apiKey: vendor.key },
    });
    await gql(tenant, 'mutation { updateEnrichmentSettings(input: { waterfall: ["vendor:clearbit-like"] }) { waterfall } }');
    const company = `crash-${randomBytes(4).toString('hex')}.test`;
    // The first lookup hangs; the worker making it dies while it waits.
    vendor.script(company, [{ status: 200, body: {}, delayMs: 60_000 }]);
    const killed = new Promise<void>((resolve) => {
      vendor.onLookup((asked) => {
        if (asked !== company || first.exitCode !== null) return;
        first.kill('SIGKILL');
        resolve();
      });
    });
    const lead = await gql<{ identify: { id: string } }>(tenant, 'mutation { identify(input: { userId: "crash-1", email: "c@' + company + '" }) { id } }');
    const job = (await gql<{ enrichLead: { id: string } }>(tenant, 'mutation ($id: ID!) { enrichLead(id: $id) { id } }', { id: lead.identify.id })).enrichLead;
    await killed;
    await new Promise((resolve) => first.once('exit', resolve));
    expect(first.signalCode).toBe('SIGKILL');

    workers.push(await spawnWorker(gateway));
    const deadline = Date.now() + 90_000;
    let status = '';
    let creditsCharged = -1;
    while (Date.now() < deadline) {
      const current = (await gql<{ enrichmentJob: { status: string; creditsCharged: number } }>(tenant, 'query ($id: ID!) { enrichmentJob(id: $id) { status creditsCharged } }', { id: job.id })).enrichmentJob;
      ({ status, creditsCharged } = current);
      if (status === 'COMPLETED' || status === 'FAILED') break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe('COMPLETED');
    expect(creditsCharged).toBe(3);
    expect(vendor.requests(company)).toBe(2);
    const ledger = await gateway.services.db.query<{ kind: string; amount: number; idempotency_key: string }>(
      `select kind, amount, idempotency_key from control.credit_ledger where tenant_id = $1 and operation = $2 order by id`,
      [tenant.id, `enrichment:${VENDOR}`],
    );
    expect(ledger).toEqual([{ kind: 'charge', amount: -3, idempotency_key: `enrich:${job.id}:${VENDOR}:reserve` }]);
    const balance = await gql<{ tenant: { credits: { balance: number } } }>(tenant, '{ tenant { credits { balance } } }');
    expect(balance.tenant.credits.balance).toBe(997);
  }, 240_000);
});
