/**
 * Issue 16: no personal data in workflow histories. A person is identified,
 * enriched (the vendor answers), told about in webhooks, exported and erased,
 * as a tenant would do it; then every history the namespace holds from that
 * time is read through Temporal's API, raw, and none holds the person's
 * email, name, user id, anonymous id or address. The tenant's payloads are
 * encrypted, and even decrypted they carry ids only.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { withEnrichmentStack, type EnrichmentStack } from '../support/enrichment-stack.js';
import { eventually } from '../support/eventually.js';
import { createTenant } from '../support/test-gateway.js';
import { vendorConfig } from '../support/vendor-server.js';
import { encodingOf, foundIn, isClosed, payloadsOf, readHistories, type StoredHistory } from '../support/workflow-histories.js';
import { postSegment } from '../integration/ingest/segment-http.js';
import { deletePerson, exportPerson, redisMentioning, rowsMentioning, rowsOfSchemaMentioning } from './privacy-operations.js';
import { createLogger } from '../../platform/logging/logger.js';
import { ENCRYPTED_ENCODING } from '../../workflows/tenant-payload-codec.js';
import { deletePersonWorkflowId } from '../../workflows/privacy/privacy-request-dispatch.js';
import { findDeletionRequest, insertDeletionRequest, leadExists } from '../../modules/privacy/privacy.repository.js';

describe('workflow histories after an erasure', () => {
  let stack: EnrichmentStack;
  // Everything the gateway and the worker log, at every level: a log is a store the platform writes too.
  const logged: string[] = [];
  withEnrichmentStack({ name: 'histories', vendor: {}, log: createLogger({ level: 'debug', write: (line) => logged.push(line) }) }, (started) => {
    stack = started;
  });

  it('hold none of the person’s identifiers, raw or decrypted, in any history of the namespace', async () => {
    const { gateway, vendor } = stack;
    const since = new Date(Date.now() - 1000).toISOString();
    const tag = randomBytes(4).toString('hex');
    const person = {
      email: `ann.${tag}@histories-${tag}.test`,
      name: `Annabel Quist-${tag}`,
      userId: `user-${tag}`,
      anonymousId: `anon-${tag}`,
      ip: `203.0.${randomInt(1, 250)}.${randomInt(1, 250)}`,
    };
    const identifiers = Object.values(person);
    const tenant = await createTenant(gateway, { credits: 100 });
    const as = async <T>(query: string, variables?: Record<string, unknown>): Promise<T> => gateway.data<T>(tenant.secretKey, query, variables);

    // A receiver for the tenant's webhooks: lead.enriched and lead.deleted are delivered through workflows.
    const received: string[] = [];
    const receiver: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      await as('mutation ($i: WebhookInput!) { createWebhook(input: $i) { secret } }', {
        i: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, events: ['LEAD_ENRICHED', 'LEAD_DELETED'] },
      });
      await as('mutation ($input: EnrichmentVendorInput!) { configureEnrichmentVendor(input: $input) { id } }', {
        input: { config: vendorConfig(vendor!, { mode: 'sync', poll: undefined }), apiKey: vendor!.key },
      });
      await as('mutation { updateEnrichmentSettings(input: { waterfall: ["vendor:clearbit-like"], autoEnrich: false }) { waterfall } }');

      // Identified as a product's back end does it, and seen from an address.
      const identified = await postSegment(
        gateway,
        '/v1/identify',
        { userId: person.userId, anonymousId: person.anonymousId, traits: { email: person.email, name: person.name }, context: { ip: person.ip } },
        { key: tenant.publishableKey },
      );
      expect(identified.status).toBe(200);
      // Two visits hours ago and one now: three sessions.
      for (const hoursAgo of [6, 3]) {
        const timestamp = new Date(Date.now() - hoursAgo * 3_600_000).toISOString();
        const visit = { anonymousId: person.anonymousId, name: 'Docs', timestamp, context: { ip: person.ip } };
        expect((await postSegment(gateway, '/v1/page', visit, { key: tenant.publishableKey })).status).toBe(200);
      }
      expect((await postSegment(gateway, '/v1/page', { anonymousId: person.anonymousId, name: 'Pricing', context: { ip: person.ip } }, { key: tenant.publishableKey })).status).toBe(200);
      const lead = (await as<{ identify: { id: string } }>('mutation ($u: String!) { identify(input: { userId: $u }) { id } }', { u: person.userId })).identify;

      const job = (await as<{ enrichLead: { id: string } }>('mutation ($id: ID!) { enrichLead(id: $id) { id } }', { id: lead.id })).enrichLead;
      const enriched = await eventually(
        () => as<{ enrichmentJob: { status: string } }>('query ($id: ID!) { enrichmentJob(id: $id) { status } }', { id: job.id }),
        (read) => read.enrichmentJob.status === 'COMPLETED',
      );
      expect(enriched.enrichmentJob.status).toBe('COMPLETED');
      expect(vendor!.requests(`histories-${tag}.test`)).toBeGreaterThan(0);

      const exported = await exportPerson(gateway, tenant, { email: person.email });
      expect(exported.status).toBe('COMPLETED');
      // The export's workflow found the person from the request's sealed subject, not from its input.
      expect(JSON.stringify(exported.document)).toContain(person.email);

      const sessions = await gateway.services.db.query<{ n: number }>(`select count(*)::int as n from "t_${tenant.id}".sessions where lead_id = $1`, [lead.id]);
      expect(sessions[0]?.n).toBeGreaterThanOrEqual(3);
      // Before the erasure the scans below find the person where they are: a clean scan after it means something.
      expect((await rowsMentioning(gateway, tenant.id, [person.email])).map((found) => found.table)).toEqual(
        expect.arrayContaining(['leads', 'ingest_log', 'export_requests']),
      );
      expect(logged.length).toBeGreaterThan(0);

      const erased = await deletePerson(gateway, tenant, { email: person.email });
      expect(erased).toMatchObject({ status: 'COMPLETED', error: null });
      expect(erased.erased?.['leads']).toBeGreaterThanOrEqual(1);
      // Both events reached the receiver, so their delivery workflows ran.
      await eventually(async () => received, (bodies) => bodies.some((b) => b.includes('lead.deleted')) && bodies.some((b) => b.includes('lead.enriched')));
      expect(received.some((b) => b.includes('lead.deleted'))).toBe(true);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }

    // Every history of the namespace begun since, once the tenant's enrichment, export, erasure and deliveries are all listed and closed.
    const kinds = ['enrich', 'export', 'delete', 'webhook'].map((kind) => `${kind}:${tenant.id}:`);
    const client = gateway.services.temporalClient;
    const namespace = gateway.config.TEMPORAL_NAMESPACE;
    const tenantsOwn = (histories: StoredHistory[]) => histories.filter((h) => kinds.some((kind) => h.workflowId.startsWith(kind)));
    const histories = await eventually(
      () => readHistories(client, namespace, `StartTime >= "${since}"`),
      (read) => kinds.every((kind) => read.some((h) => h.workflowId.startsWith(kind))) && tenantsOwn(read).every(isClosed),
      60_000,
    );
    const own = tenantsOwn(histories);
    expect(kinds.every((kind) => own.some((h) => h.workflowId.startsWith(kind)))).toBe(true);

    // Raw: not one history of the namespace holds an identifier.
    const offenders = histories.flatMap((history) => foundIn(history, identifiers).map((found) => `${history.workflowId}: ${found}`));
    expect(offenders).toEqual([]);

    // The tenant's payloads are all encrypted, but for the SDK core's own bookkeeping (patch markers and their search
    // attribute, local activities' timing), which never passes through a codec; decrypted, they are ids, never the person.
    const payloads = own.flatMap(payloadsOf);
    for (const history of own) expect(payloadsOf(history).some((payload) => encodingOf(payload) === ENCRYPTED_ENCODING)).toBe(true);
    const clear = payloads.filter((payload) => encodingOf(payload) !== ENCRYPTED_ENCODING).map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8'));
    expect(clear.filter((text) => !isCoreBookkeeping(text))).toEqual([]);
    const decoded = await gateway.services.payloadCodec.decode(payloads);
    const texts = decoded.map((payload) => Buffer.from(payload.data ?? new Uint8Array()).toString('utf8'));
    expect(texts.some((text) => text.includes(tenant.id))).toBe(true);
    expect(identifiers.filter((identifier) => texts.some((text) => text.includes(identifier)))).toEqual([]);

    // Every other store the platform writes: the tenant's tables and the control schema, Redis, and the processes' logs.
    expect(await rowsMentioning(gateway, tenant.id, identifiers)).toEqual([]);
    expect(await rowsOfSchemaMentioning(gateway, 'control', identifiers, 15)).toEqual([]);
    expect(await redisMentioning(gateway, identifiers)).toEqual([]);
    const log = logged.join('').toLowerCase();
    expect(identifiers.filter((identifier) => log.includes(identifier.toLowerCase()))).toEqual([]);
  }, 240_000);

  it('still finishes an erasure begun before the person left the input (an in-flight workflow’s input names them)', async () => {
    const { gateway } = stack;
    const tenant = await createTenant(gateway);
    const email = `old.${randomBytes(4).toString('hex')}@in-flight.test`;
    const lead = (await gateway.data<{ identify: { id: string } }>(tenant.secretKey, 'mutation ($e: String!) { identify(input: { userId: "old-1", email: $e }) { id } }', { e: email })).identify;
    // What the previous release started: the request's row, and the person in the workflow's input, no sealed subject.
    const db = gateway.services.tenantDbs.ofResolved({ tenantId: tenant.id, schema: `t_${tenant.id}` });
    const request = await insertDeletionRequest(db, `del_inflight${randomBytes(4).toString('hex')}`);
    await gateway.services.temporalClient.workflow.start('deletePersonWorkflow', {
      workflowId: deletePersonWorkflowId(tenant.id, request.id),
      taskQueue: gateway.config.TEMPORAL_TASK_QUEUE,
      args: [{ tenantId: tenant.id, schema: `t_${tenant.id}`, requestId: request.id, person: { email } }],
    });
    const done = await eventually(
      () => findDeletionRequest(db, request.id),
      (row) => row?.status === 'COMPLETED' || row?.status === 'FAILED',
    );
    expect(done).toMatchObject({ status: 'COMPLETED', error: null });
    expect(done?.erased).toMatchObject({ leads: 1 });
    expect(await leadExists(db, lead.id)).toBe(false);
  }, 120_000);

  it('keeps a failure’s message out of the history too: it is encrypted with the payloads', async () => {
    const { gateway } = stack;
    const tenant = await createTenant(gateway);
    const db = gateway.services.tenantDbs.ofResolved({ tenantId: tenant.id, schema: `t_${tenant.id}` });
    // A request whose subject is not held: resolving it fails for good, with a message naming the request.
    const request = await insertDeletionRequest(db, `del_nosubject${randomBytes(4).toString('hex')}`);
    const workflowId = deletePersonWorkflowId(tenant.id, request.id);
    await gateway.services.temporalClient.workflow.start('deletePersonWorkflow', {
      workflowId,
      taskQueue: gateway.config.TEMPORAL_TASK_QUEUE,
      args: [{ tenantId: tenant.id, schema: `t_${tenant.id}`, requestId: request.id }],
    });
    const failed = await eventually(() => findDeletionRequest(db, request.id), (row) => row?.status === 'FAILED');
    expect(failed?.error).toMatch(/no longer held/);

    const [history] = await eventually(
      () => readHistories(gateway.services.temporalClient, gateway.config.TEMPORAL_NAMESPACE, `WorkflowId = "${workflowId}"`),
      (read) => read.length === 1 && isClosed(read[0]!),
    );
    const failures = history!.events.flatMap((event) => (event.activityTaskFailedEventAttributes?.failure ? [event.activityTaskFailedEventAttributes.failure] : []));
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure.message).toBe('Encoded failure');
      expect(encodingOf(failure.encodedAttributes!)).toBe(ENCRYPTED_ENCODING);
    }
    expect(foundIn(history!, ['no longer held'])).toEqual([]);
  }, 120_000);
});

/** What the SDK core writes itself: a patch marker (`{id, deprecated}`), the patches search attribute, a local activity's timing. */
function isCoreBookkeeping(text: string): boolean {
  const value: unknown = JSON.parse(text);
  if (Array.isArray(value)) return value.every((item) => typeof item === 'string');
  if (typeof value !== 'object' || value === null) return false;
  const keys = Object.keys(value).sort().join();
  return keys === 'deprecated,id' || ('activity_type' in value && 'seq' in value && 'complete_time' in value);
}
