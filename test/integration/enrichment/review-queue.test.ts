import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { enrichLeadWorkflowId } from '../../../workflows/enrichment/enrichment-dispatch.js';
import { createApiKey, idOfKey } from '../api-keys/api-key-operations.js';
import { codeOf, createTenant, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { companyBody, vendorConfig, type VendorServer } from '../../support/vendor-server.js';
import { withEnrichmentStack } from '../../support/enrichment-stack.js';
import { eventually } from '../../support/eventually.js';

interface FieldView {
  field: string;
  value: unknown;
  confidence: number;
  source: string;
  verified: boolean;
  conflicts: Array<{ value: unknown; source: string }>;
}
interface LeadView {
  id: string;
  score: number;
  needsManualEnrichment: boolean;
  enrichment: FieldView[];
}

const LEAD_FIELDS = 'id score needsManualEnrichment enrichment { field value confidence source verified conflicts }';
const LEAD = `query ($id: ID!) { lead(id: $id) { ${LEAD_FIELDS} } }`;
const QUEUE = `query ($filter: LeadFilter) { leads(first: 50, filter: $filter) { totalCount edges { node { id } } } }`;
const SET_FIELD = `mutation ($leadId: ID!, $field: String!, $value: JSON!, $note: String) {
  setEnrichedField(leadId: $leadId, field: $field, value: $value, note: $note) { ${LEAD_FIELDS} }
}`;
// A vendor as sure of a name as a person is (confidence 1, verified): only the manual rule keeps the person's value.
const SURE_MAPPING = [
  { field: 'company.name', path: 'name', confidence: 1, verified: true, type: 'string' },
  { field: 'company.employees', path: 'metrics.employees', confidence: 0.7, verified: false, type: 'number' },
];
const AUDIT_LOG = '{ auditLog(first: 20) { actor keyId operation outcome at } }';

/**
 * The manual review queue: a lead no source found anything for is listed by
 * `leads(filter: { needsManualEnrichment: true })`; a person sets its field,
 * which is held as source manual and survives re-enrichment. Through the
 * gateway, the real Temporal server and a worker, with a Clearbit-like vendor
 * on this machine.
 */
describe('the manual review queue', () => {
  let gateway: TestGateway;
  let vendor: VendorServer;

  withEnrichmentStack({ name: 'review-queue', vendor: {} }, (s) => {
    gateway = s.gateway;
    vendor = s.vendor!;
  });

  const gql = <T>(tenant: TestTenant | string, query: string, variables?: Record<string, unknown>): Promise<T> =>
    gateway.data<T>(typeof tenant === 'string' ? tenant : tenant.secretKey, query, variables);

  async function vendorTenant(): Promise<TestTenant> {
    const tenant = await createTenant(gateway, { credits: 100 });
    await gql(tenant, 'mutation ($input: EnrichmentVendorInput!) { configureEnrichmentVendor(input: $input) { id } }', {
      input: { config: vendorConfig(vendor, { mapping: SURE_MAPPING }), apiKey: vendor.key },
    });
    await gql(tenant, 'mutation ($input: EnrichmentSettingsInput!) { updateEnrichmentSettings(input: $input) { waterfall } }', {
      input: { waterfall: ['vendor:clearbit-like'], autoEnrich: false },
    });
    return tenant;
  }

  async function leadAt(tenant: TestTenant, companyDomain: string): Promise<string> {
    const data = await gql<{ identify: { id: string } }>(tenant, 'mutation ($input: IdentifyInput!) { identify(input: $input) { id } }', {
      input: { userId: `u-${randomBytes(6).toString('hex')}`, email: `ann@${companyDomain}` },
    });
    return data.identify.id;
  }

  /** Enriches and waits for the job's end: the lead's workflow finishing. */
  async function enriched(tenant: TestTenant, leadId: string): Promise<void> {
    await gql(tenant, 'mutation ($id: ID!) { enrichLead(id: $id) { id } }', { id: leadId });
    await gateway.services.temporalClient.workflow.getHandle(enrichLeadWorkflowId(tenant.id, leadId)).result();
  }

  const leadOf = async (tenant: TestTenant, id: string) => (await gql<{ lead: LeadView }>(tenant, LEAD, { id })).lead;
  const queueOf = async (tenant: TestTenant, needsManualEnrichment = true) =>
    (await gql<{ leads: { totalCount: number; edges: Array<{ node: { id: string } }> } }>(tenant, QUEUE, { filter: { needsManualEnrichment } })).leads;

  /**
   * A lead no source found anything for, flagged for a person: the vendor
   * answers 404 for unknown-* domains; `lookupFails`: it cannot look this one
   * up now (a 422, which is not cached: a later job asks again) and knows it
   * after.
   */
  async function flaggedLead(tenant: TestTenant, opts: { lookupFails?: boolean } = {}): Promise<{ leadId: string; companyDomain: string }> {
    const companyDomain = `${opts.lookupFails === true ? 'later' : 'unknown'}-${randomBytes(4).toString('hex')}.test`;
    if (opts.lookupFails === true) vendor.script(companyDomain, [{ status: 422, body: { error: { type: 'invalid_domain' } } }]);
    const leadId = await leadAt(tenant, companyDomain);
    await enriched(tenant, leadId);
    return { leadId, companyDomain };
  }

  it('lists the flagged lead; a person sets its field as manual, confidence 1, audited, and it survives re-enrichment', async () => {
    const tenant = await vendorTenant();
    const { leadId, companyDomain } = await flaggedLead(tenant, { lookupFails: true });
    const found = await leadAt(tenant, `found-${randomBytes(4).toString('hex')}.test`);
    await enriched(tenant, found);

    expect((await leadOf(tenant, leadId)).needsManualEnrichment).toBe(true);
    expect((await queueOf(tenant)).edges.map((e) => e.node.id)).toEqual([leadId]);
    expect((await queueOf(tenant, false)).edges.map((e) => e.node.id)).toEqual([found]);

    const set = (await gql<{ setEnrichedField: LeadView }>(tenant, SET_FIELD, { leadId, field: 'company.name', value: 'Unknown Widgets Ltd', note: 'from their LinkedIn page' }))
      .setEnrichedField;
    expect(set.needsManualEnrichment).toBe(false);
    expect(set.enrichment).toEqual([{ field: 'company.name', value: 'Unknown Widgets Ltd', confidence: 1, source: 'manual', verified: true, conflicts: [] }]);
    // The fields it lacked are set: it leaves the queue.
    expect((await queueOf(tenant)).totalCount).toBe(0);
    const [row] = await gateway.services.db.query<{ editedBy: string; note: string }>(
      `select edited_by as "editedBy", edit_note as note from "t_${tenant.id}".lead_fields where lead_id = $1 and field = 'company.name'`,
      [leadId],
    );
    const keyId = await idOfKey(gateway, tenant.secretKey, tenant.secretKey);
    expect(row).toEqual({ editedBy: keyId, note: 'from their LinkedIn page' });

    // Audited: who and which operation, never the value.
    const audit = (await gql<{ auditLog: Array<Record<string, unknown>> }>(tenant, AUDIT_LOG)).auditLog;
    const entry = audit.find((e) => e.operation === 'setEnrichedField');
    expect(entry).toMatchObject({ actor: 'key', keyId, outcome: 'ok' });
    expect(JSON.stringify(audit)).not.toContain('Unknown Widgets');
    const [stored] = await gateway.services.db.query<{ n: number }>(`select count(*)::int as n from control.audit_log where tenant_id = $1 and operation::text like '%Unknown Widgets%'`, [tenant.id]);
    expect(stored?.n).toBe(0);

    // The vendor now knows the company: re-enrichment brings its name, which loses to the person's.
    await enriched(tenant, leadId);
    expect(vendor.requests(companyDomain)).toBe(2);
    const after = await leadOf(tenant, leadId);
    const name = after.enrichment.find((f) => f.field === 'company.name');
    expect(name).toMatchObject({ value: 'Unknown Widgets Ltd', source: 'manual', confidence: 1, verified: true });
    expect(name?.conflicts).toEqual([expect.objectContaining({ value: companyBody(companyDomain).name, source: 'vendor:clearbit-like' })]);
    // The fields the person did not set came from the vendor.
    expect(after.enrichment.find((f) => f.field === 'company.employees')).toMatchObject({ value: 250, source: 'vendor:clearbit-like' });
    expect(after.needsManualEnrichment).toBe(false);
  }, 60_000);

  it('refuses a malformed field name, a null value and a key without leads:write, changing nothing', async () => {
    const tenant = await vendorTenant();
    const { leadId } = await flaggedLead(tenant);
    const badName = await gateway.gql(tenant.secretKey, SET_FIELD, { leadId, field: 'company name; drop', value: 'x' });
    expect(codeOf(badName)).toBe('BAD_USER_INPUT');
    expect(badName.errors?.[0]?.extensions?.['argumentPath']).toEqual(['field']);
    expect(codeOf(await gateway.gql(tenant.secretKey, SET_FIELD, { leadId, field: 'company.name', value: null }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gateway.gql(tenant.secretKey, SET_FIELD, { leadId, field: 'company.name', value: 'x'.repeat(5_000) }))).toBe('BAD_USER_INPUT');
    const reader = await createApiKey(gateway, tenant.secretKey, { name: 'reader', scopes: ['leads:read'] });
    expect(codeOf(await gateway.gql(reader.key, SET_FIELD, { leadId, field: 'company.name', value: 'x' }))).toBe('FORBIDDEN');
    expect(codeOf(await gateway.gql(tenant.secretKey, SET_FIELD, { leadId: 'lead_nope', field: 'company.name', value: 'x' }))).toBe('NOT_FOUND');

    const lead = await leadOf(tenant, leadId);
    expect(lead.enrichment).toEqual([]);
    expect(lead.needsManualEnrichment).toBe(true);
  }, 60_000);

  it("is NOT_FOUND with another tenant's key, which neither sees nor changes the lead", async () => {
    const owner = await vendorTenant();
    const other = await vendorTenant();
    const { leadId } = await flaggedLead(owner);

    const response = await gateway.gql(other.secretKey, SET_FIELD, { leadId, field: 'company.name', value: 'Hijacked Inc' });
    expect(codeOf(response)).toBe('NOT_FOUND');
    expect((await queueOf(other)).totalCount).toBe(0);
    const lead = await leadOf(owner, leadId);
    expect(lead.enrichment).toEqual([]);
    expect(lead.needsManualEnrichment).toBe(true);
    expect((await queueOf(owner)).edges.map((e) => e.node.id)).toEqual([leadId]);
  }, 60_000);

  it("writes a person's company field to the lead's company record as a manual fact that rules read and providers do not replace", async () => {
    const tenant = await vendorTenant();
    const domain = `found-${randomBytes(4).toString('hex')}.test`;
    const leadId = await leadAt(tenant, domain);
    const COMPANY = `query ($domain: String!) { company(domain: $domain) { name industry facts { field value source confidence } } }`;
    const companyOf = async () => (await gql<{ company: { name: string | null; industry: string | null; facts: Array<{ field: string; value: unknown; source: string; confidence: number }> } | null }>(tenant, COMPANY, { domain })).company;
    // The business email links the company in the evaluation after identify's commit.
    expect(await eventually(companyOf, (company) => company !== null)).toMatchObject({ name: null, industry: null });

    await gql(tenant, SET_FIELD, { leadId, field: 'company.industry', value: 'Industrial machinery' });
    await gql(tenant, SET_FIELD, { leadId, field: 'company.name', value: 'Found Widgets GmbH' });
    const company = await companyOf();
    expect(company).toMatchObject({ name: 'Found Widgets GmbH', industry: 'Industrial machinery' });
    expect(company?.facts).toEqual(
      expect.arrayContaining([
        { field: 'company.industry', value: 'Industrial machinery', source: 'manual', confidence: 1 },
        { field: 'company.name', value: 'Found Widgets GmbH', source: 'manual', confidence: 1 },
      ]),
    );

    // A segment on the company's industry takes the lead in.
    const segment = (await gql<{ createSegment: { id: string } }>(tenant, 'mutation ($input: SegmentInput!) { createSegment(input: $input) { id } }', {
      input: { name: 'Machinery', rule: { field: 'company.industry', op: 'eq', value: 'Industrial machinery' } },
    })).createSegment;
    const members = async () =>
      (await gql<{ lead: { segments: Array<{ id: string }> } }>(tenant, 'query ($id: ID!) { lead(id: $id) { segments { id } } }', { id: leadId })).lead.segments.map((s) => s.id);
    expect(await eventually(members, (ids) => ids.includes(segment.id))).toContain(segment.id);

    // The vendor, as sure of the name as a person, does not replace the company's manual name; its employees count is new.
    await enriched(tenant, leadId);
    expect(vendor.requests(domain)).toBe(1);
    expect(await companyOf()).toMatchObject({ name: 'Found Widgets GmbH', industry: 'Industrial machinery' });
    const employees = async () => (await gql<{ company: { employees: number | null } }>(tenant, 'query ($d: String!) { company(domain: $d) { employees } }', { d: domain })).company.employees;
    expect(await employees()).toBe(250);
    // Not a number of employees: it stays the lead's own field, and the company's column keeps the vendor's.
    await gql(tenant, SET_FIELD, { leadId, field: 'company.employees', value: 'lots' });
    expect(await employees()).toBe(250);
    expect((await leadOf(tenant, leadId)).enrichment.find((f) => f.field === 'company.employees')).toMatchObject({ value: 'lots', source: 'manual' });
  }, 60_000);
});
