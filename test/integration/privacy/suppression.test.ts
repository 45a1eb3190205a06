import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suppressionHash, type SuppressedKind } from '../../../modules/privacy/suppression-hash.js';
import { publishSuppressionsChanged } from '../../../modules/privacy/suppression-list.js';
import { tenantChannel } from '../../../tenants/tenant-channels.js';
import { codeOf, createTenant, startTestGateway, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { countEvents, postSegment, track } from '../ingest/segment-http.js';

const TRACK = 'mutation ($events: [TrackInput!]!) { track(events: $events) { accepted duplicates suppressed unconsented } }';
const IDENTIFY = 'mutation ($input: IdentifyInput!) { identify(input: $input) { id email } }';

describe('suppressed people: their events are dropped and counted, never stored', () => {
  let gateway: TestGateway;
  // A second gateway of the same deployment: it hears of new suppressions over Redis.
  let second: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway();
    second = await startTestGateway({ config: gateway.config });
  });
  afterAll(async () => {
    await second?.close();
    await gateway?.close();
  });

  /** `heard` resolves once `on`'s Redis subscriber got the tenant's change, and so every handler before this one did. */
  async function listen(on: TestGateway, tenantId: string): Promise<{ heard: Promise<void> }> {
    let told!: () => void;
    const told$ = new Promise<void>((resolve) => (told = resolve));
    const unsubscribe = await on.services.coordination.pubsub.subscribe(tenantChannel(tenantId, 'suppressions'), () => told());
    return { heard: told$.then(unsubscribe) };
  }

  /** Inserts hashes as the deletion workflow does, then announces them. */
  async function suppress(tenant: TestTenant, identifiers: ReadonlyArray<[SuppressedKind, string]>): Promise<void> {
    for (const [kind, value] of identifiers) {
      await gateway.services.db.query(`insert into "t_${tenant.id}".suppressions (hash, kind) values ($1, $2) on conflict do nothing`, [
        suppressionHash(gateway.services.hashKeys, tenant.id, kind, value),
        kind,
      ]);
    }
    const listeners = await Promise.all([listen(gateway, tenant.id), listen(second, tenant.id)]);
    await publishSuppressionsChanged(gateway.services.coordination.pubsub, tenant.id);
    await Promise.all(listeners.map((l) => l.heard));
  }

  /** Every row of the person's traces in the tenant's schema, as text: nothing may mention them. */
  async function traces(tenant: TestTenant, needles: readonly string[]): Promise<string[]> {
    const found: string[] = [];
    for (const table of ['events', 'leads', 'identities', 'sessions', 'consent_changes']) {
      const rows = await gateway.services.db.query<{ row: string }>(`select t::text as row from "t_${tenant.id}".${table} t`);
      for (const { row } of rows) if (needles.some((needle) => row.toLowerCase().includes(needle.toLowerCase()))) found.push(`${table}: ${row}`);
    }
    return found;
  }

  const suppressedToday = async (tenant: TestTenant): Promise<number> => {
    const [row] = await gateway.services.db.query<{ n: number }>(
      `select coalesce(sum(count), 0)::int as n from "t_${tenant.id}".suppressed_events where day = (now() at time zone 'utc')::date`,
    );
    return row?.n ?? 0;
  };

  const ERASED: ReadonlyArray<[SuppressedKind, string]> = [
    ['email', 'gone@erased.test'],
    ['anonymous_id', 'anon-gone'],
    ['user_id', 'user-gone'],
  ];
  // Identifiers that only ever travel with an erased one: they must not be stored either.
  const NEEDLES = ['gone@erased.test', 'anon-gone', 'user-gone', 'fresh-with-user', 'fresh-with-email'];

  describe('happy', () => {
    it('drops /v1 messages naming an erased email, anonymous id or user id, keeps the other visitors of the batch, and answers as usual', async () => {
      const tenant = await createTenant(gateway);
      const key = tenant.publishableKey;
      // Both gateways have loaded the tenant's (empty) list before the suppression: they must hear of the change.
      expect((await postSegment(gateway, '/v1/batch', { batch: [track('warm-1')] }, { key })).status).toBe(200);
      expect((await postSegment(second, '/v1/batch', { batch: [track('warm-2')] }, { key })).status).toBe(200);
      await suppress(tenant, ERASED);

      const batch = await postSegment(
        gateway,
        '/v1/batch',
        {
          batch: [
            track('anon-gone'),
            { type: 'identify', anonymousId: 'fresh-with-user', userId: 'user-gone', traits: { name: 'Gone' } },
            { type: 'identify', anonymousId: 'fresh-with-email', traits: { email: ' GONE@Erased.test ' } },
            { type: 'page', anonymousId: 'still-here', name: 'Home' },
            track('also-here'),
          ],
        },
        { key },
      );
      // A suppressed person's SDK is told nothing: the answer is the one any batch gets.
      expect(batch).toMatchObject({ status: 200, body: { success: true, accepted: 5, duplicates: 0 } });
      expect(await countEvents(gateway, tenant.id)).toBe(4);
      expect(await traces(tenant, NEEDLES)).toEqual([]);
      expect(await suppressedToday(tenant)).toBe(3);

      // The other gateway drops them too, once told.
      const elsewhere = await postSegment(second, '/v1/track', track('anon-gone'), { key });
      expect(elsewhere).toMatchObject({ status: 200, body: { success: true, accepted: 1 } });
      expect(await countEvents(gateway, tenant.id)).toBe(4);
      expect(await suppressedToday(tenant)).toBe(4);
    });

    it('drops GraphQL track and identify calls about an erased person, and says so to the tenant', async () => {
      const tenant = await createTenant(gateway);
      await suppress(tenant, ERASED);
      const tracked = await gateway.gql<{ track: Record<string, number> }>(tenant.secretKey, TRACK, {
        events: [
          { anonymousId: 'anon-gone', event: 'Viewed' },
          { userId: 'user-gone', event: 'Viewed' },
          { anonymousId: 'someone-else', event: 'Viewed' },
        ],
      });
      expect(tracked.data?.track).toEqual({ accepted: 1, duplicates: 0, suppressed: 2, unconsented: 0 });

      const identified = await gateway.gql(tenant.secretKey, IDENTIFY, { input: { anonymousId: 'fresh-with-email', email: 'gone@erased.test' } });
      expect(codeOf(identified)).toBe('BAD_USER_INPUT');
      expect(identified.errors?.[0]?.message).toMatch(/erased/);
      expect(await countEvents(gateway, tenant.id)).toBe(1);
      expect(await traces(tenant, NEEDLES)).toEqual([]);
      expect(await suppressedToday(tenant)).toBe(3);
    });
  });

  describe('error', () => {
    it('keeps dropping a retried batch, counting each attempt, and stores nothing of it', async () => {
      const tenant = await createTenant(gateway);
      await suppress(tenant, ERASED);
      const message = track('anon-gone', { messageId: 'retried-1' });
      for (let attempt = 0; attempt < 3; attempt += 1) {
        expect((await postSegment(gateway, '/v1/batch', { batch: [message] }, { key: tenant.publishableKey })).status).toBe(200);
      }
      expect(await countEvents(gateway, tenant.id)).toBe(0);
      expect(await suppressedToday(tenant)).toBe(3);
    });
  });

  describe('security', () => {
    it("applies a tenant's suppressions to that tenant only: the same identifiers elsewhere are stored", async () => {
      const erasing = await createTenant(gateway);
      const other = await createTenant(gateway);
      await suppress(erasing, ERASED);
      const sent = await postSegment(
        gateway,
        '/v1/batch',
        { batch: [track('anon-gone'), { type: 'identify', anonymousId: 'x-1', userId: 'user-gone', traits: { email: 'gone@erased.test' } }] },
        { key: other.publishableKey },
      );
      expect(sent.status).toBe(200);
      expect(await countEvents(gateway, other.id)).toBe(2);
      expect(await suppressedToday(other)).toBe(0);
      // The hashes are keyed by tenant: one tenant's list says nothing about the other's people.
      const keys = gateway.services.hashKeys;
      expect(suppressionHash(keys, erasing.id, 'email', 'gone@erased.test')).not.toBe(suppressionHash(keys, other.id, 'email', 'gone@erased.test'));
    });
  });
});
