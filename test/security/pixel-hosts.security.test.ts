import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecheckSummary } from '../../workflows/pixel-hosts/recheck-pixel-hosts.workflow.js';
import { startDnsServer, type DnsServer } from '../support/dns-server.js';
import { CLAIM_HOST, dnsServersFor, HOST_CLAIMS, provePixelHost, VERIFY_HOST, type PixelHostView } from '../support/pixel-hosts.js';
import { rawRequest, type RawResponse } from '../support/raw-request.js';
import { codeOf, createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../support/test-gateway.js';
import { startTestWorker } from '../support/test-worker.js';
import { lanesBehindOnceProcessed } from '../integration/ingest/segment-http.js';
import { MAX_HOSTS_PER_TENANT } from '../../modules/tracking-settings/pixel-host-claims.js';

/**
 * Finding: any tenant could register the platform's own host name or an IP
 * literal with addPixelHost. Every request with that Host was then routed as
 * a pixel host: /graphql, /healthz, /readyz and /metrics answered 404 for
 * every tenant and the operator, and other tenants' p.gif traffic on that
 * host landed in the claimant's dataset. Nothing proved the tenant owned it.
 */

const run = randomBytes(3).toString('hex');
const PLATFORM = `platform-${run}.test`;
const API_HOST = `api.${PLATFORM}`;
const PUBLIC_HOST = `app.${PLATFORM}`;
const CNAME_TARGET = `pixel.${PLATFORM}`;
const ADD_HOST = 'mutation ($host: String!) { addPixelHost(host: $host) }';
const basic = (key: string): string => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

describe('pixel hosts: proven in DNS, never shadowing the platform', () => {
  let dns: DnsServer;
  let gateway: TestGateway;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let port: string;

  beforeAll(async () => {
    dns = await startDnsServer({});
    gateway = await startTestGateway({
      config: testConfig({
        PLATFORM_HOSTS: API_HOST,
        PUBLIC_URL: `https://${PUBLIC_HOST}`,
        PIXEL_CNAME_TARGET: CNAME_TARGET,
        PIXEL_HOST_DNS_SERVERS: dnsServersFor(dns),
        TEMPORAL_TASK_QUEUE: `pixel-hosts-${run}`,
      }),
    });
    worker = await startTestWorker(gateway);
    port = new URL(gateway.url).port;
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await gateway?.close();
    await dns?.close();
  });

  const get = (path: string, host: string, headers: Record<string, string> = {}): Promise<RawResponse> =>
    rawRequest(gateway.url, path, { host, headers });
  const post = (path: string, host: string, body: unknown, headers: Record<string, string>): Promise<RawResponse> =>
    rawRequest(gateway.url, path, { host, method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  /**
   * The tenant's events once its log is processed up to its head: pixels and
   * /v1 calls are answered on the append, so what is missing from the dataset
   * before that may only be on its way; after it, it was never accepted.
   */
  const eventsOf = async (tenant: TestTenant): Promise<Array<{ name: string; anonymous_id: string | null }>> => {
    expect({ tenant: tenant.id, behind: await lanesBehindOnceProcessed(gateway, tenant.id) }).toEqual({ tenant: tenant.id, behind: [] });
    return gateway.services.db.query(`select name, anonymous_id from "t_${tenant.id}".events order by id`);
  };
  const claims = async (tenant: TestTenant): Promise<PixelHostView[]> =>
    (await gateway.data<{ pixelHostClaims: PixelHostView[] }>(tenant.secretKey, HOST_CLAIMS)).pixelHostClaims;
  const recheck = (tenant: TestTenant, graceChecks: number): Promise<RecheckSummary> =>
    gateway.services.temporalClient.workflow.execute('recheckPixelHostsWorkflow', {
      taskQueue: gateway.config.TEMPORAL_TASK_QUEUE,
      workflowId: `pixel-hosts:recheck:test-${randomBytes(4).toString('hex')}`,
      args: [{ tenantId: tenant.id, graceChecks }],
    });

  /** The platform as the operator and every tenant see it, reached under `host`. */
  async function expectPlatformServes(host: string, tenant: TestTenant): Promise<void> {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      expect({ host, path, status: (await get(path, host)).status }).toEqual({ host, path, status: 200 });
    }
    const graphql = await post('/graphql', host, { query: '{ tenant { id } }' }, { authorization: `Bearer ${tenant.secretKey}` });
    expect({ host, status: graphql.status, body: JSON.parse(graphql.body.toString()) as unknown }).toEqual({
      host,
      status: 200,
      body: { data: { tenant: { id: tenant.id } } },
    });
  }

  it("refuses a tenant's claim of the platform's hosts, addresses and local names, and stores none of them", async () => {
    const attacker = await createTenant(gateway, { name: 'Attacker' });
    const victim = await createTenant(gateway, { name: 'Victim' });
    const refused = [
      API_HOST,
      `${API_HOST.toUpperCase()}.`,
      `eu.${API_HOST}`,
      PUBLIC_HOST,
      `x.${CNAME_TARGET}`,
      '127.0.0.1',
      `127.0.0.1:${port}`,
      '10.1',
      '0x7f.1',
      '2130706433',
      '[::1]',
      '::1',
      '[64:ff9b::a9fe:a9fe]',
      'localhost',
      'api.localhost',
      'intranet',
    ];
    for (const host of refused) {
      for (const mutation of [ADD_HOST, CLAIM_HOST]) {
        const response = await gateway.gql(attacker.secretKey, mutation, { host });
        expect({ host, code: codeOf(response), path: response.errors?.[0]?.extensions?.['argumentPath'] }).toEqual({
          host,
          code: 'BAD_USER_INPUT',
          path: ['host'],
        });
      }
    }
    expect(await gateway.services.db.query('select host from control.pixel_hosts where tenant_id = $1', [attacker.id])).toEqual([]);
    for (const host of [API_HOST, PUBLIC_HOST, `127.0.0.1:${port}`, 'localhost']) await expectPlatformServes(host, victim);
  });

  it('leaves /graphql, /healthz, /readyz and /metrics untouched for everyone while a claim is pending', async () => {
    const attacker = await createTenant(gateway, { name: 'Attacker' });
    const victim = await createTenant(gateway, { name: 'Victim' });
    const pending = `t.attacker-${run}.test`;
    const claimed = await gateway.gql<{ addPixelHost: string[] }>(attacker.secretKey, ADD_HOST, { host: pending });
    expect(claimed.data?.addPixelHost).toEqual([]);
    expect((await claims(attacker)).map((c) => [c.host, c.status])).toEqual([[pending, 'PENDING']]);
    for (const host of [pending, API_HOST, `127.0.0.1:${port}`]) {
      await expectPlatformServes(host, victim);
      await expectPlatformServes(host, attacker);
    }
  });

  it('never lets a row for a platform name or an address shadow the platform, even one registered before proofs', async () => {
    const holder = await createTenant(gateway, { name: 'Registered under the old rules' });
    const victim = await createTenant(gateway, { name: 'Victim' });
    // What the old addPixelHost let any tenant store, as migration 0007 leaves such rows.
    for (const host of [API_HOST, '127.0.0.1']) {
      await gateway.services.db.query(
        `insert into control.pixel_hosts (host, tenant_id, status, origin, verified_at) values ($1, $2, 'active', 'legacy', now())`,
        [host, holder.id],
      );
    }
    await gateway.services.sites.changed(holder.id);
    for (const host of [API_HOST, `127.0.0.1:${port}`]) {
      await expectPlatformServes(host, victim);
      expect((await get('/p.gif?aid=someone', host)).status).toBe(401);
    }
    expect(await eventsOf(holder)).toEqual([]);
  });

  it("puts another tenant's p.gif and /v1 traffic, sent with its own key to the attacker's pixel host, in its own dataset", async () => {
    // The attacker's host, once given by the operator and once proven in DNS: either way, a key names its own tenant.
    const given = `px.given-attacker-${run}.test`;
    const attacker = await createTenant(gateway, { name: 'Attacker', pixelHosts: [given] });
    const proven = `px.attacker-${run}.test`;
    for (const [index, host] of [given, proven].entries()) {
      const victim = await createTenant(gateway, { name: 'Victim' });
      const visitor = `victim-visitor-${index}`;
      const pixel = await get(`/p.gif?k=${victim.publishableKey}&aid=${visitor}&url=${encodeURIComponent('https://victim.test/pricing')}`, host);
      expect(pixel.status).toBe(200);
      const tracked = await post('/v1/track', host, { event: 'Signed Up', anonymousId: visitor }, { authorization: basic(victim.publishableKey) });
      expect(tracked.status).toBe(200);
      const written = await post('/v1/track', host, { event: 'Signed Up', anonymousId: visitor, writeKey: victim.publishableKey }, {});
      expect(written.status).toBe(200);
      // The host still speaks for its own tenant when no key is sent.
      expect((await get(`/p.gif?aid=own-visitor-${index}`, host)).status).toBe(200);

      expect({ host, victim: (await eventsOf(victim)).map((e) => e.anonymous_id) }).toEqual({ host, victim: [visitor, visitor, visitor] });
      expect((await eventsOf(attacker)).map((e) => e.anonymous_id).filter((id) => id?.startsWith('victim'))).toEqual([]);
      // A key that names no tenant is refused, not handed to the host's tenant.
      expect((await get('/p.gif?k=pk_unknown&aid=x', host)).status).toBe(401);
      if (host === given) await provePixelHost(gateway, dns, attacker.secretKey, proven);
    }
    expect((await eventsOf(attacker)).map((e) => e.anonymous_id)).toEqual(['own-visitor-0', 'own-visitor-1']);
  });

  it('never serves a host that is claimed but unproven, and a squatting claim blocks nobody', async () => {
    const squatter = await createTenant(gateway, { name: 'Squatter' });
    const owner = await createTenant(gateway, { name: 'Owner' });
    const host = `t.shop-${run}.test`;
    const squatted = await gateway.gql<{ claimPixelHost: PixelHostView }>(squatter.secretKey, CLAIM_HOST, { host });
    expect(squatted.data?.claimPixelHost).toMatchObject({ host, status: 'PENDING', origin: 'TENANT' });
    const { record: txt, cnameRecord: cname } = squatted.data?.claimPixelHost ?? {};
    expect(txt).toMatchObject({ type: 'TXT', name: `_pixel-verify.${host}` });
    expect(cname).toMatchObject({ type: 'CNAME', name: host });
    expect(cname?.value.endsWith(`.${CNAME_TARGET}`)).toBe(true);

    for (const probe of [() => get('/p.gif?aid=v', host), () => get('/t.js', host), () => post('/v1/track', host, { event: 'E', anonymousId: 'v' }, {})]) {
      expect([401, 404]).toContain((await probe()).status);
    }
    // A record that proves nothing (not this claim's value) leaves it pending, and says why.
    dns.set(`_pixel-verify.${host}`, { txt: ['pixel-verify=not-the-token', 'v=spf1 -all'] });
    const unproven = await gateway.gql<{ verifyPixelHost: PixelHostView }>(squatter.secretKey, VERIFY_HOST, { host });
    expect(unproven.data?.verifyPixelHost).toMatchObject({ status: 'PENDING', verifiedAt: null });
    expect(unproven.data?.verifyPixelHost.lastCheckError).toMatch(/_pixel-verify/);

    // The name's real owner claims it too and proves it; the squatter's claim, with its own token, cannot follow.
    await provePixelHost(gateway, dns, owner.secretKey, host);
    const blocked = await gateway.gql<{ verifyPixelHost: PixelHostView }>(squatter.secretKey, VERIFY_HOST, { host });
    expect(blocked.data?.verifyPixelHost).toMatchObject({ host, status: 'PENDING' });
    expect(codeOf(await gateway.gql(squatter.secretKey, CLAIM_HOST, { host }))).toBe('BAD_USER_INPUT');
    expect((await get('/p.gif?aid=shopper', host)).status).toBe(200);
    expect((await eventsOf(owner)).map((e) => e.anonymous_id)).toEqual(['shopper']);
    expect(await eventsOf(squatter)).toEqual([]);
  });

  it("answers verifyPixelHost and pixelHostClaims for the caller's own claims only: another tenant's, or none, is NOT_FOUND", async () => {
    const owner = await createTenant(gateway, { name: 'Claim owner' });
    const other = await createTenant(gateway, { name: 'Other' });
    const host = `t.own-${run}.test`;
    await gateway.data(owner.secretKey, CLAIM_HOST, { host });
    expect(codeOf(await gateway.gql(other.secretKey, VERIFY_HOST, { host }))).toBe('NOT_FOUND');
    expect(codeOf(await gateway.gql(owner.secretKey, VERIFY_HOST, { host: `t.never-claimed-${run}.test` }))).toBe('NOT_FOUND');
    expect(await claims(other)).toEqual([]);
    expect((await claims(owner)).map((claim) => [claim.host, claim.status])).toEqual([[host, 'PENDING']]);
  });

  it('refuses every pixel-host operation to a key without the tenant scope it needs, and changes nothing', async () => {
    const owner = await createTenant(gateway, { name: 'Scoped' });
    const host = `t.scoped-${run}.test`;
    await gateway.data(owner.secretKey, CLAIM_HOST, { host });
    const keyWith = async (scopes: string[]) =>
      (await gateway.data<{ createApiKey: { key: string } }>(owner.secretKey, 'mutation ($s: [String!]!) { createApiKey(input: { name: "scoped", scopes: $s }) { key } }', { s: scopes }))
        .createApiKey.key;
    const leadsOnly = await keyWith(['leads:read', 'leads:write']);
    const readOnly = await keyWith(['tenant:read']);
    for (const key of [leadsOnly, readOnly]) {
      expect(codeOf(await gateway.gql(key, CLAIM_HOST, { host: `t.other-${run}.test` }))).toBe('FORBIDDEN');
      expect(codeOf(await gateway.gql(key, VERIFY_HOST, { host }))).toBe('FORBIDDEN');
      expect(codeOf(await gateway.gql(key, ADD_HOST, { host: `t.added-${run}.test` }))).toBe('FORBIDDEN');
      expect(codeOf(await gateway.gql(key, 'mutation ($host: String!) { removePixelHost(host: $host) }', { host }))).toBe('FORBIDDEN');
    }
    expect(codeOf(await gateway.gql(leadsOnly, HOST_CLAIMS))).toBe('FORBIDDEN');
    // tenant:read may look, not touch.
    expect((await claims(owner)).map((claim) => claim.host)).toEqual([host]);
    expect((await gateway.data<{ pixelHostClaims: PixelHostView[] }>(readOnly, HOST_CLAIMS)).pixelHostClaims.map((claim) => claim.host)).toEqual([host]);
  });

  it(`holds a tenant to ${MAX_HOSTS_PER_TENANT} claimed hosts, pending ones included, and frees a place when one is removed`, async () => {
    const tenant = await createTenant(gateway, { name: 'Many hosts' });
    const other = await createTenant(gateway, { name: 'Unaffected' });
    const hosts = Array.from({ length: MAX_HOSTS_PER_TENANT }, (_, i) => `t${i}.cap-${run}.test`);
    for (const host of hosts) await gateway.data(tenant.secretKey, CLAIM_HOST, { host });
    const over = await gateway.gql(tenant.secretKey, CLAIM_HOST, { host: `over.cap-${run}.test` });
    expect(codeOf(over)).toBe('BAD_USER_INPUT');
    expect(over.errors?.[0]?.message).toContain(`at most ${MAX_HOSTS_PER_TENANT}`);
    // Claiming one it holds again is no new place.
    expect((await gateway.data<{ claimPixelHost: PixelHostView }>(tenant.secretKey, CLAIM_HOST, { host: hosts[0] })).claimPixelHost.host).toBe(hosts[0]);
    expect(await claims(tenant)).toHaveLength(MAX_HOSTS_PER_TENANT);
    // The cap is the tenant's own: another tenant claims freely.
    await gateway.data(other.secretKey, CLAIM_HOST, { host: `t.free-${run}.test` });
    await gateway.data(tenant.secretKey, 'mutation ($host: String!) { removePixelHost(host: $host) }', { host: hosts[1] });
    expect((await gateway.data<{ claimPixelHost: PixelHostView }>(tenant.secretKey, CLAIM_HOST, { host: `over.cap-${run}.test` })).claimPixelHost.status).toBe('PENDING');
  });

  it('activates a host proven by a TXT record and one proven by a CNAME, each for its own tenant only', async () => {
    const a = await createTenant(gateway, { name: 'A' });
    const b = await createTenant(gateway, { name: 'B' });
    const c = await createTenant(gateway, { name: 'C' });
    const byTxt = `t.a-${run}.test`;
    const byCname = `t.b-${run}.test`;
    expect(await provePixelHost(gateway, dns, a.secretKey, byTxt, 'TXT')).toMatchObject({ status: 'ACTIVE', provenBy: 'TXT' });
    expect(await provePixelHost(gateway, dns, b.secretKey, byCname, 'CNAME')).toMatchObject({ status: 'ACTIVE', provenBy: 'CNAME' });
    expect((await gateway.gql<{ pixelHosts: string[] }>(a.secretKey, '{ pixelHosts }')).data?.pixelHosts).toEqual([byTxt]);
    expect((await gateway.gql<{ pixelHosts: string[] }>(b.secretKey, '{ pixelHosts }')).data?.pixelHosts).toEqual([byCname]);

    // A CNAME to the bare pixel domain names no claim: anyone could point there, so it proves nothing.
    const bare = `t.c-${run}.test`;
    await gateway.gql(c.secretKey, CLAIM_HOST, { host: bare });
    dns.set(bare, { cname: CNAME_TARGET });
    const unproven = await gateway.gql<{ verifyPixelHost: PixelHostView }>(c.secretKey, VERIFY_HOST, { host: bare });
    expect(unproven.data?.verifyPixelHost.status).toBe('PENDING');

    expect((await get('/p.gif?aid=visitor-a', byTxt)).status).toBe(200);
    expect((await get('/p.gif?aid=visitor-b', byCname)).status).toBe(200);
    expect((await get('/p.gif?aid=visitor-c', bare)).status).toBe(401);
    expect((await eventsOf(a)).map((e) => e.anonymous_id)).toEqual(['visitor-a']);
    expect((await eventsOf(b)).map((e) => e.anonymous_id)).toEqual(['visitor-b']);
    expect(await eventsOf(c)).toEqual([]);
    // On an active pixel host the platform's API is not there: nothing under the customer's name names the platform.
    expect((await get('/healthz', byTxt)).status).toBe(404);
    expect((await post('/graphql', byTxt, { query: '{ tenant { id } }' }, { authorization: `Bearer ${a.secretKey}` })).status).toBe(404);
  });

  it('takes a host back to pending once its proof has been missing for the grace of re-checks, and not for a DNS outage', async () => {
    const tenant = await createTenant(gateway, { name: 'Lapsing' });
    const other = await createTenant(gateway, { name: 'Other' });
    const host = `t.lapse-${run}.test`;
    const otherHost = `t.other-${run}.test`;
    const proven = await provePixelHost(gateway, dns, tenant.secretKey, host);
    await provePixelHost(gateway, dns, other.secretKey, otherHost);
    const txt = proven.record;
    if (txt === null) throw new Error('no TXT record');

    expect(await recheck(tenant, 2)).toMatchObject({ kept: 1, failed: 0, deactivated: 0 });

    // The resolver fails: nothing is learned, nothing counts against the host.
    dns.set(txt.name, { behaviour: 'servfail' });
    expect(await recheck(tenant, 2)).toMatchObject({ unreachable: 1, failed: 0, deactivated: 0 });
    expect((await claims(tenant))[0]).toMatchObject({ status: 'ACTIVE', failedChecks: 0 });

    // The record is gone: one check is within the grace, the second takes the host back to pending.
    dns.remove(txt.name);
    expect(await recheck(tenant, 2)).toMatchObject({ failed: 1, deactivated: 0 });
    expect((await claims(tenant))[0]).toMatchObject({ status: 'ACTIVE', failedChecks: 1 });
    expect((await get('/p.gif?aid=before', host)).status).toBe(200);
    expect(await recheck(tenant, 2)).toMatchObject({ deactivated: 1 });
    expect((await claims(tenant))[0]).toMatchObject({ status: 'PENDING', failedChecks: 2, verifiedAt: null });
    expect((await get('/p.gif?aid=after', host)).status).toBe(401);
    expect((await eventsOf(tenant)).map((e) => e.anonymous_id)).toEqual(['before']);
    // Another tenant's host, still proven, was neither checked by this tenant's run nor touched.
    expect((await claims(other))[0]).toMatchObject({ host: otherHost, status: 'ACTIVE', failedChecks: 0 });

    // Published again, the same claim is proven again.
    dns.set(txt.name, { txt: [txt.value] });
    const back = await gateway.gql<{ verifyPixelHost: PixelHostView }>(tenant.secretKey, VERIFY_HOST, { host });
    expect(back.data?.verifyPixelHost).toMatchObject({ status: 'ACTIVE', failedChecks: 0 });
  });

  it("keeps the operator's hosts active at once, without a proof to re-check; not even the operator gives an address or its own name", async () => {
    for (const refused of ['127.0.0.1', API_HOST, `eu.${PUBLIC_HOST}`]) {
      const response = await gateway.gql(gateway.adminToken, 'mutation ($input: CreateTenantInput!) { createTenant(input: $input) { secretKey } }', {
        input: { name: 'Refused', pixelHosts: [refused] },
      });
      expect({ refused, code: codeOf(response), path: response.errors?.[0]?.extensions?.['argumentPath'] }).toEqual({
        refused,
        code: 'BAD_USER_INPUT',
        path: ['input', 'pixelHosts', 0],
      });
    }
    const host = `t.operator-${run}.test`;
    const tenant = await createTenant(gateway, { name: 'Given a host', pixelHosts: [host] });
    expect(await claims(tenant)).toMatchObject([{ host, status: 'ACTIVE', origin: 'OPERATOR', record: null, cnameRecord: null }]);
    expect(await recheck(tenant, 1)).toMatchObject({ kept: 0, failed: 0, deactivated: 0 });
    expect((await get('/p.gif?aid=v', host)).status).toBe(200);
  });
});
