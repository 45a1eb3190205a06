import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { withEnrichmentStack } from '../support/enrichment-stack.js';
import type { TestGateway, TestTenant } from '../support/test-gateway.js';
import { createTenant } from '../support/test-gateway.js';
import { companyBody, vendorConfig, type VendorServer } from '../support/vendor-server.js';
import { enrichLeadWorkflowId } from '../../workflows/enrichment/enrichment-dispatch.js';
import { ensureReservationSweepSchedule, reservationSweepScheduleId } from '../../workflows/credits/release-reservations-schedule.js';

const VENDOR = 'vendor:clearbit-like';

/** A vendor answer the test releases when it chooses. */
function heldAnswer(): { answered: Promise<void>; answer: () => void } {
  let answer = () => undefined as void;
  const answered = new Promise<void>((resolve) => {
    answer = resolve;
  });
  return { answered, answer };
}
const OPERATION = `enrichment:${VENDOR}`;

/**
 * A reservation held 0 seconds (CREDIT_RESERVATION_HOLD_SECONDS=0) is due at
 * the next sweep, so the tests decide the order: a job's call is held open at
 * the vendor until the sweep, run by its schedule, has released the reservation.
 */
describe('the reservation sweep, on its schedule, against enrichment jobs', () => {
  let gateway: TestGateway;
  let vendor: VendorServer;

  withEnrichmentStack({ name: 'reservation-sweep', vendor: {}, config: { CREDIT_RESERVATION_HOLD_SECONDS: '0' } }, (s) => {
    gateway = s.gateway;
    vendor = s.vendor!;
  });
  // Registered after the stack's, so it runs before the stack closes: no schedule outlives the file.
  afterAll(async () => {
    await gateway.services.temporalClient.schedule.getHandle(reservationSweepScheduleId(gateway.config.TEMPORAL_TASK_QUEUE)).delete();
  });

  const gql = <T>(tenant: TestTenant, query: string, variables?: Record<string, unknown>): Promise<T> => gateway.data<T>(tenant.secretKey, query, variables);

  async function tenantWithVendor(): Promise<TestTenant> {
    const tenant = await createTenant(gateway, { credits: 1000 });
    await gql(tenant, 'mutation ($input: EnrichmentVendorInput!) { configureEnrichmentVendor(input: $input) { id } }', {
      input: { config: vendorConfig(vendor, { mode: 'sync', poll: undefined }), apiKey: vendor.key },
    });
    await gql(tenant, `mutation { updateEnrichmentSettings(input: { waterfall: ["${VENDOR}"] }) { waterfall } }`);
    return tenant;
  }

  /** Enriches a new lead at `company` whose vendor call stays open until `answer` settles; resolves once the call is made (after the reservation). */
  async function jobWithOpenCall(tenant: TestTenant, company: string, answer: Promise<unknown>) {
    vendor.script(company, [{ status: 200, body: companyBody(company), until: answer }]);
    const asked = new Promise<void>((resolve) => vendor.onLookup((domain) => domain === company && resolve()));
    const lead = await gql<{ identify: { id: string } }>(tenant, `mutation { identify(input: { userId: "${company}", email: "ceo@${company}" }) { id } }`);
    const job = (await gql<{ enrichLead: { id: string } }>(tenant, 'mutation ($id: ID!) { enrichLead(id: $id) { id } }', { id: lead.identify.id })).enrichLead;
    await asked;
    return { leadId: lead.identify.id, jobId: job.id };
  }

  const ledgerOf = (tenant: TestTenant) =>
    gateway.services.db.query<{ kind: string; amount: number; idempotency_key: string; refunds: string | null }>(
      'select kind, amount, idempotency_key, refunds from control.credit_ledger where tenant_id = $1 and operation = $2 order by id',
      [tenant.id, OPERATION],
    );
  const balanceOf = async (tenant: TestTenant) => (await gql<{ tenant: { credits: { balance: number } } }>(tenant, '{ tenant { credits { balance } } }')).tenant.credits.balance;

  /** Runs the deployment's sweep now, through its schedule, and waits for the tenant's ledger to show the release. */
  async function sweepUntilReleased(tenant: TestTenant) {
    const taskQueue = gateway.config.TEMPORAL_TASK_QUEUE;
    await ensureReservationSweepSchedule({ client: gateway.services.temporalClient, taskQueue, everyMinutes: 60 });
    await gateway.services.temporalClient.schedule.getHandle(reservationSweepScheduleId(taskQueue)).trigger();
    return eventually(() => ledgerOf(tenant), (rows) => rows.some((r) => r.kind === 'release'));
  }

  it('a job terminated between reserving and settling gets its reservation released by the sweep: the balance is back, one release', async () => {
    const tenant = await tenantWithVendor();
    const call = heldAnswer();
    const { leadId, jobId } = await jobWithOpenCall(tenant, `terminated-${randomBytes(4).toString('hex')}.test`, call.answered);
    expect(await balanceOf(tenant)).toBe(997);

    await gateway.services.temporalClient.workflow.getHandle(enrichLeadWorkflowId(tenant.id, leadId)).terminate('terminated mid-call by the test');
    const ledger = await sweepUntilReleased(tenant);
    call.answer();

    const reserveKey = `enrich:${jobId}:${VENDOR}:reserve`;
    expect(ledger).toEqual([
      { kind: 'charge', amount: -3, idempotency_key: reserveKey, refunds: null },
      { kind: 'release', amount: 3, idempotency_key: `${reserveKey}#release`, refunds: reserveKey },
    ]);
    expect(await balanceOf(tenant)).toBe(1000);
    const open = await gateway.services.db.query('select 1 from control.credit_reservations where tenant_id = $1', [tenant.id]);
    expect(open).toEqual([]);
  }, 120_000);

  it('a job whose call answers data after the sweep released its reservation settles without charging again: one release, no second charge', async () => {
    const tenant = await tenantWithVendor();
    const call = heldAnswer();
    const { jobId } = await jobWithOpenCall(tenant, `late-${randomBytes(4).toString('hex')}.test`, call.answered);

    await sweepUntilReleased(tenant);
    call.answer();
    const job = await eventually(
      async () => (await gql<{ enrichmentJob: { status: string; creditsCharged: number } }>(tenant, 'query ($id: ID!) { enrichmentJob(id: $id) { status creditsCharged } }', { id: jobId })).enrichmentJob,
      (j) => j.status === 'COMPLETED' || j.status === 'FAILED',
    );

    expect(job).toEqual({ status: 'COMPLETED', creditsCharged: 0 });
    const reserveKey = `enrich:${jobId}:${VENDOR}:reserve`;
    expect(await ledgerOf(tenant)).toEqual([
      { kind: 'charge', amount: -3, idempotency_key: reserveKey, refunds: null },
      { kind: 'release', amount: 3, idempotency_key: `${reserveKey}#release`, refunds: reserveKey },
    ]);
    expect(await balanceOf(tenant)).toBe(1000);
  }, 120_000);
});
