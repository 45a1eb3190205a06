import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { identityKeys, identityLocksOf } from '../../modules/leads/ingest/identity-locks.js';
import { appendToLog } from '../../modules/leads/ingest/ingest-log.repository.js';
import { lockIdentities } from '../../modules/leads/ingest/ingest.repository.js';
import { logAppendOf, URGENT_LANE } from '../../modules/leads/ingest/log-entry.js';
import type { IngestMessage } from '../../modules/leads/ingest/segment-message.js';
import { suppressionBarrierKey } from '../../modules/privacy/privacy.repository.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { lanesBehindOnceProcessed, postSegment } from '../integration/ingest/segment-http.js';
import { identify } from '../integration/leads/lead-operations.js';
import { createTenant, type TestGateway } from '../support/test-gateway.js';
import { withEnrichmentStack } from '../support/enrichment-stack.js';
import { deletionRequest, eventually, requestDeletion, rowsMentioning } from './privacy-operations.js';

/**
 * Suppression in the write path: events for a person committed around the
 * moment of their erasure (before its suppression, while it waits, just
 * after it, from a gateway whose suppression list has not heard of it yet)
 * leave nothing of the person behind, whatever the timing. Each moment is
 * made by holding a lock and waiting for the signal that the other side is
 * waiting for it, never by a clock.
 */
describe('erasure against events committed in the same second', () => {
  let gateway: TestGateway;
  withEnrichmentStack({ name: 'erasure-write-path' }, (stack) => {
    gateway = stack.gateway;
  });

  /** Backends waiting for the advisory lock of `key` (as hashtextextended makes it) right now. */
  const waitingFor = async (key: string): Promise<number> => {
    const [row] = await gateway.services.db.query<{ n: number }>(
      `select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and objsubid = 1
          and ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`,
      [key],
    );
    return row?.n ?? 0;
  };

  /** A message as a gateway whose in-process suppression list is behind would append it: straight to the log. */
  async function appendUnscreened(tenant: TenantDb, message: Omit<IngestMessage, 'messageId' | 'traits' | 'properties' | 'context' | 'at'>): Promise<void> {
    const full: IngestMessage = { messageId: `m-${randomBytes(6).toString('hex')}`, traits: {}, properties: {}, context: {}, at: new Date(), ...message };
    await appendToLog(tenant, URGENT_LANE, [logAppendOf(full, 'public', '203.0.113.7')]);
    gateway.services.ingestion.processor?.wake(tenant, URGENT_LANE);
  }

  it('leaves no lead, event, session or log row of messages appended before, during and just after the suppression', async () => {
    const t = await createTenant(gateway);
    const tenant = gateway.services.tenantDbs.ofResolved({ tenantId: t.id, schema: `t_${t.id}` });
    const tag = randomBytes(4).toString('hex');
    const person = { email: `late.${tag}@erase.example`, userId: `late-user-${tag}`, anonymousId: `late-anon-${tag}` };
    const lead = await identify(gateway, t.secretKey, person);
    const bystander = await identify(gateway, t.secretKey, { anonymousId: `stay-${tag}`, email: `stay.${tag}@erase.example` });

    // Before: a chunk about the person has read the suppressions (none yet) and is stopped, uncommitted, at its identity locks.
    const fineLock = identityLocksOf(identityKeys(tenant.schema, [{ anonymousId: person.anonymousId } as IngestMessage])).at(-1)!.key;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const holding = tenant.transaction(async (tx) => {
      await lockIdentities(tx, identityKeys(tx.schema, [{ anonymousId: person.anonymousId } as IngestMessage]));
      await released;
    });
    try {
      await eventually(() => gateway.services.db.query<{ n: number }>(`select count(*)::int as n from pg_locks where locktype = 'advisory' and granted and mode = 'ExclusiveLock'
        and ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`, [fineLock]), (rows) => rows[0]?.n === 1, 10_000, 'the identity lock held');
      await appendUnscreened(tenant, { type: 'track', name: 'Before erasure', anonymousId: person.anonymousId });
      await eventually(() => waitingFor(fineLock), (n) => n === 1, 30_000, 'the chunk waiting at its identity locks');
      // Before, and still waiting in the log behind that chunk when the erasure starts.
      await appendUnscreened(tenant, { type: 'page', name: 'page_view', anonymousId: `${person.anonymousId}-new`, email: person.email.toUpperCase() });

      const request = await requestDeletion(gateway, t, { email: person.email });
      // During: the suppression waits for the chunk in flight; what comes now is appended before it commits.
      const suppressing = await eventually(
        async () => ({ waiting: await waitingFor(suppressionBarrierKey(tenant.schema)), request: await deletionRequest(gateway, t, request.id) }),
        (seen) => seen.waiting > 0 || seen.request?.status === 'COMPLETED' || seen.request?.status === 'FAILED',
        60_000,
        'the suppression waiting for ingestion in flight',
      );
      expect(suppressing.request?.status).toBe('RUNNING');
      await appendUnscreened(tenant, { type: 'identify', name: 'identify', userId: person.userId });
      release();
      await holding;

      const done = await eventually(() => deletionRequest(gateway, t, request.id), (r) => r?.status === 'COMPLETED' || r?.status === 'FAILED', 60_000, 'the erasure settled');
      expect(done?.status).toBe('COMPLETED');
      // Just after: from a gateway that has not heard of the suppression, and through the gateway itself.
      await appendUnscreened(tenant, { type: 'track', name: 'After erasure', anonymousId: person.anonymousId, userId: person.userId });
      await appendUnscreened(tenant, { type: 'page', name: 'page_view', anonymousId: `${person.anonymousId}-later`, email: person.email });
      expect((await postSegment(gateway, '/v1/track', { anonymousId: person.anonymousId, event: 'Came back' }, { key: t.publishableKey })).status).toBe(200);
      expect(await lanesBehindOnceProcessed(gateway, t.id)).toEqual([]);
    } finally {
      release();
      await holding.catch(() => undefined);
    }

    const needles = [person.email, person.userId, person.anonymousId, lead.id];
    expect(await rowsMentioning(gateway, t.id, needles)).toEqual([]);
    const left = await gateway.services.db.query<{ leads: number; events: number; sessions: number; logged: number }>(
      `select (select count(*)::int from "t_${t.id}".leads) as leads, (select count(*)::int from "t_${t.id}".events) as events,
              (select count(*)::int from "t_${t.id}".sessions) as sessions,
              (select count(*)::int from "t_${t.id}".ingest_log where message::text ilike $1) as logged`,
      [`%${tag}%`],
    );
    // The bystander alone is left: one lead, its identify's event and session.
    expect(left[0]).toMatchObject({ leads: 1, logged: 1 });
    const [kept] = await gateway.services.db.query<{ id: string }>(`select id from "t_${t.id}".leads`);
    expect(kept?.id).toBe(bystander.id);
  }, 180_000);
});
