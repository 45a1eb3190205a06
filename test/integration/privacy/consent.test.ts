import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suppressionHash } from '../../../modules/privacy/suppression-hash.js';
import { createApiKey } from '../api-keys/api-key-operations.js';
import { codeOf, createTenant, startTestGateway, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { postSegment } from '../ingest/segment-http.js';

const REQUIRE_CONSENT = 'mutation { updateTrackingSettings(input: { requireConsent: true }) { requireConsent } }';
const IDENTIFY = 'mutation ($input: IdentifyInput!) { identify(input: $input) { id email userId anonymousIds traits } }';
const TRACK = 'mutation ($events: [TrackInput!]!) { track(events: $events) { accepted duplicates suppressed unconsented } }';
const CHANGE_FIELDS = 'id leadId anonymousId granted categories source at';
const RECORD_CONSENT = `mutation ($input: ConsentInput!) { recordConsent(input: $input) { ${CHANGE_FIELDS} } }`;
const CONSENT_HISTORY = `query ($leadId: ID!) { consentHistory(leadId: $leadId) { ${CHANGE_FIELDS} } }`;

interface ConsentChangeView {
  id: string;
  leadId: string | null;
  anonymousId: string | null;
  granted: boolean;
  categories: Record<string, boolean>;
  source: string;
  at: string;
}

describe('consent: required before identification, and every decision recorded with its source', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  async function consentTenant(): Promise<TestTenant> {
    const tenant = await createTenant(gateway);
    const updated = await gateway.gql(tenant.secretKey, REQUIRE_CONSENT);
    if (updated.errors !== undefined) throw new Error(JSON.stringify(updated.errors));
    return tenant;
  }

  const rows = <T extends object>(tenant: TestTenant, text: string) => gateway.services.db.query<T>(text.replaceAll('{t}', `"t_${tenant.id}"`));
  const leadOfVisitor = async (tenant: TestTenant, anonymousId: string) =>
    (await rows<{ lead_id: string }>(tenant, `select lead_id from {t}.identities where anonymous_id = '${anonymousId}'`))[0]?.lead_id;

  const gql = <T>(token: string, query: string, variables?: Record<string, unknown>): Promise<T> => gateway.data<T>(token, query, variables);

  describe('happy', () => {
    it('keeps the behaviour of a visitor without consent, anonymously: no email, user id or trait on any lead or event', async () => {
      const tenant = await consentTenant();
      const key = tenant.publishableKey;
      const sent = await postSegment(
        gateway,
        '/v1/batch',
        {
          batch: [
            { type: 'identify', anonymousId: 'c-anon-1', userId: 'c-user-1', traits: { email: 'ann@consent.test', name: 'Ann' } },
            { type: 'track', event: 'Viewed Pricing', anonymousId: 'c-anon-1', userId: 'c-user-1', context: { traits: { email: 'ann@consent.test' } } },
            // The tracking script's messages before any decision on a site that requires one, and Segment's with a refused category.
            { type: 'page', anonymousId: 'c-anon-1', name: 'Home', context: { consent: { required: true, granted: false } } },
            {
              type: 'identify',
              anonymousId: 'c-anon-1',
              userId: 'c-user-1',
              traits: { email: 'ann@consent.test' },
              context: { consent: { categoryPreferences: { analytics: true, advertising: false } } },
            },
          ],
        },
        { key },
      );
      expect(sent).toMatchObject({ status: 200, body: { accepted: 4, duplicates: 0 } });

      const leads = await rows<{ email: string | null; user_id: string | null; traits: object }>(tenant, 'select email, user_id, traits from {t}.leads');
      expect(leads).toEqual([{ email: null, user_id: null, traits: {} }]);
      const events = await rows<{ name: string; user_id: string | null; context: string }>(
        tenant,
        'select name, user_id, context::text as context from {t}.events order by id',
      );
      expect(events.map((e) => [e.name, e.user_id])).toEqual([
        ['identify', null],
        ['Viewed Pricing', null],
        ['page_view', null],
        ['identify', null],
      ]);
      expect(events.some((e) => e.context.includes('ann@consent.test'))).toBe(false);

      // Through GraphQL alike: the visitor is kept, the person is not named.
      const lead = (await gql<{ identify: { email: string | null; userId: string | null; anonymousIds: string[] } }>(tenant.secretKey, IDENTIFY, {
        input: { anonymousId: 'c-anon-2', userId: 'c-user-2', email: 'bo@consent.test' },
      })).identify;
      expect(lead).toMatchObject({ email: null, userId: null, anonymousIds: ['c-anon-2'] });
    });

    it('identifies a visitor whose messages carry a grant, from the script, Segment categories or the API', async () => {
      const tenant = await consentTenant();
      const sent = await postSegment(
        gateway,
        '/v1/batch',
        {
          batch: [
            { type: 'identify', anonymousId: 'g-anon-1', userId: 'g-user-1', traits: { email: 'cy@consent.test' }, context: { consent: { required: true, granted: true } } },
            {
              type: 'identify',
              anonymousId: 'g-anon-2',
              userId: 'g-user-2',
              traits: { email: 'di@consent.test' },
              context: { consent: { categoryPreferences: { analytics: true, advertising: true } } },
            },
          ],
        },
        { key: tenant.publishableKey },
      );
      expect(sent.status).toBe(200);
      const leads = await rows<{ email: string; user_id: string }>(tenant, 'select email, user_id from {t}.leads order by email');
      expect(leads).toEqual([
        { email: 'cy@consent.test', user_id: 'g-user-1' },
        { email: 'di@consent.test', user_id: 'g-user-2' },
      ]);
      const lead = (await gql<{ identify: { email: string; userId: string } }>(tenant.secretKey, IDENTIFY, {
        input: { userId: 'g-user-3', email: 'ed@consent.test', consent: { granted: true } },
      })).identify;
      expect(lead).toMatchObject({ email: 'ed@consent.test', userId: 'g-user-3' });
    });

    it('records consent events with their source, once per change, and shows them in the lead\'s history with recorded ones', async () => {
      const tenant = await consentTenant();
      const key = tenant.publishableKey;
      const grant = (messageId: string) => ({
        type: 'track',
        messageId,
        event: 'Consent Updated',
        anonymousId: 'h-anon-1',
        context: { library: { name: 'bee', version: '1' }, consent: { required: true, granted: true } },
      });
      expect((await postSegment(gateway, '/v1/batch', { batch: [grant('m-1')] }, { key })).status).toBe(200);
      // The script announces the grant on every page that calls consent(true): the same decision again is no change.
      expect((await postSegment(gateway, '/v1/batch', { batch: [grant('m-2'), grant('m-1')] }, { key })).status).toBe(200);
      const segmentSpec = {
        type: 'track',
        event: 'Segment Consent Preference Updated',
        anonymousId: 'h-anon-1',
        context: { library: { name: 'analytics.js' }, consent: { categoryPreferences: { analytics: true, advertising: false } } },
      };
      expect((await postSegment(gateway, '/v1/track', segmentSpec, { key })).status).toBe(200);
      const leadId = await leadOfVisitor(tenant, 'h-anon-1');
      expect(leadId).toBeDefined();

      const recorded = (await gql<{ recordConsent: ConsentChangeView }>(tenant.secretKey, RECORD_CONSENT, {
        input: { anonymousId: 'h-anon-1', granted: false, categories: { marketing: false }, source: 'support call' },
      })).recordConsent;
      expect(recorded).toMatchObject({ leadId, anonymousId: 'h-anon-1', granted: false, categories: { marketing: false }, source: 'support call' });

      const history = (await gql<{ consentHistory: ConsentChangeView[] }>(tenant.secretKey, CONSENT_HISTORY, { leadId })).consentHistory;
      expect(history.map(({ granted, categories, source, anonymousId }) => ({ granted, categories, source, anonymousId }))).toEqual([
        { granted: false, categories: { marketing: false }, source: 'support call', anonymousId: 'h-anon-1' },
        { granted: false, categories: { analytics: true, advertising: false }, source: 'analytics.js', anonymousId: 'h-anon-1' },
        { granted: true, categories: {}, source: 'bee', anonymousId: 'h-anon-1' },
      ]);
      expect(history.every((change) => change.leadId === leadId)).toBe(true);
    });

    it('finds the person of a recorded decision by user id or email, and keeps a decision about nobody known unlinked', async () => {
      const tenant = await createTenant(gateway);
      const lead = (await gql<{ identify: { id: string } }>(tenant.secretKey, IDENTIFY, { input: { userId: 'k-user', email: 'kim@consent.test' } })).identify;
      const byEmail = (await gql<{ recordConsent: ConsentChangeView }>(tenant.secretKey, RECORD_CONSENT, {
        input: { email: 'KIM@consent.test', granted: true, source: 'signup form' },
      })).recordConsent;
      expect(byEmail).toMatchObject({ leadId: lead.id, anonymousId: null, granted: true, categories: {}, source: 'signup form' });
      const nobody = (await gql<{ recordConsent: ConsentChangeView }>(tenant.secretKey, RECORD_CONSENT, {
        input: { userId: 'never-seen', granted: true, source: 'import' },
      })).recordConsent;
      expect(nobody.leadId).toBeNull();
      // Identifiers other than the anonymous id are used to find the person, never stored.
      const stored = await rows<{ row: string }>(tenant, 'select c::text as row from {t}.consent_changes c');
      expect(stored.some(({ row }) => row.includes('kim@') || row.includes('never-seen'))).toBe(false);
    });
  });

  describe('error', () => {
    it('refuses a decision naming nobody, an unknown lead, and an identify that only a user id would name without consent', async () => {
      const tenant = await consentTenant();
      const unnamed = await gateway.gql(tenant.secretKey, RECORD_CONSENT, { input: { granted: true, source: 'form' } });
      expect(codeOf(unnamed)).toBe('BAD_USER_INPUT');
      expect(unnamed.errors?.[0]?.extensions?.['argumentPath']).toEqual(['input', 'anonymousId']);
      const noSource = await gateway.gql(tenant.secretKey, RECORD_CONSENT, { input: { anonymousId: 'a', granted: true, source: ' ' } });
      expect(noSource.errors?.[0]?.extensions?.['argumentPath']).toEqual(['input', 'source']);
      const unknown = await gateway.gql(tenant.secretKey, CONSENT_HISTORY, { leadId: 'ld_unknown' });
      expect(codeOf(unknown)).toBe('NOT_FOUND');
      // An erased person's anonymous id does not come back through a consent record.
      await rows(tenant, `insert into {t}.suppressions (hash, kind) values ('${suppressionHash(gateway.services.hashKeys, tenant.id, 'anonymous_id', 'erased-anon')}', 'anonymous_id')`);
      const erased = await gateway.gql(tenant.secretKey, RECORD_CONSENT, { input: { anonymousId: 'erased-anon', granted: true, source: 'form' } });
      expect(codeOf(erased)).toBe('BAD_USER_INPUT');
      expect(await rows(tenant, 'select 1 from {t}.consent_changes')).toEqual([]);

      const userOnly = await gateway.gql(tenant.secretKey, IDENTIFY, { input: { userId: 'only-user', email: 'only@consent.test' } });
      expect(codeOf(userOnly)).toBe('BAD_USER_INPUT');
      expect(userOnly.errors?.[0]?.extensions?.['argumentPath']).toEqual(['input', 'consent']);
      const tracked = await gql<{ track: Record<string, number> }>(tenant.secretKey, TRACK, {
        events: [
          { userId: 'only-user', event: 'Viewed' },
          { anonymousId: 'kept-anon', userId: 'only-user', event: 'Viewed' },
        ],
      });
      expect(tracked.track).toEqual({ accepted: 1, duplicates: 0, suppressed: 0, unconsented: 1 });
      expect(await rows(tenant, `select 1 from {t}.leads where user_id is not null or email is not null`)).toEqual([]);
    });
  });

  describe('security', () => {
    it('refuses publishable keys and keys without the privacy scope; another tenant\'s lead is NOT_FOUND', async () => {
      const tenant = await createTenant(gateway);
      const other = await createTenant(gateway);
      const input = { anonymousId: 's-anon', granted: true, source: 'form' };
      const publishable = await gateway.gql(tenant.publishableKey, RECORD_CONSENT, { input });
      expect(codeOf(publishable)).toBe('UNAUTHENTICATED');
      expect(codeOf(await gateway.gql(tenant.publishableKey, CONSENT_HISTORY, { leadId: 'ld_x' }))).toBe('UNAUTHENTICATED');
      const reader = await createApiKey(gateway, tenant.secretKey, { name: 'reader', scopes: ['leads:read', 'leads:write'] });
      expect(codeOf(await gateway.gql(reader.key, RECORD_CONSENT, { input }))).toBe('FORBIDDEN');
      expect(codeOf(await gateway.gql(reader.key, CONSENT_HISTORY, { leadId: 'ld_x' }))).toBe('FORBIDDEN');
      expect(await rows(tenant, 'select 1 from {t}.consent_changes')).toEqual([]);

      const theirs = (await gql<{ identify: { id: string } }>(other.secretKey, IDENTIFY, { input: { anonymousId: 's-anon', email: 'sam@consent.test' } })).identify;
      expect(codeOf(await gateway.gql(tenant.secretKey, CONSENT_HISTORY, { leadId: theirs.id }))).toBe('NOT_FOUND');
      // Naming the other tenant's person records an unlinked decision here, and nothing there.
      const mine = (await gql<{ recordConsent: ConsentChangeView }>(tenant.secretKey, RECORD_CONSENT, { input: { email: 'sam@consent.test', granted: true, source: 'form' } }))
        .recordConsent;
      expect(mine.leadId).toBeNull();
      expect(await rows(other, 'select 1 from {t}.consent_changes')).toEqual([]);
    });
  });
});
