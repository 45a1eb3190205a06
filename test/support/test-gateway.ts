import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { parseConfig, type Config } from '../../platform/config/config.js';
import { connectServices, migrateEverything, temporalEndpoint, type PlatformServices } from '../../composition/services.js';
import { startGateway, type Gateway } from '../../api/server.js';
import { createLogger, type Logger } from '../../platform/logging/logger.js';
import { problemText } from '../../platform/outcome.js';

export interface TestGateway {
  readonly url: string;
  readonly adminToken: string;
  readonly config: Config;
  readonly services: PlatformServices;
  /** POST /graphql as `token`; returns the parsed body and the HTTP status. */
  gql<T = Record<string, unknown>>(token: string | undefined, query: string, variables?: Record<string, unknown>): Promise<GqlResponse<T>>;
  /** The same request's data; its errors, if any, fail the test with their text. */
  data<T = Record<string, unknown>>(token: string | undefined, query: string, variables?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

export interface GqlResponse<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly data: T | null | undefined;
  readonly errors: ReadonlyArray<{ message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }> | undefined;
}

/** The same configuration parser as production, fed the services the suite brought up. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  const parsed = parseConfig({
    NODE_ENV: 'test',
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: inject('redisUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    // Each gateway gets its own namespace of Redis keys, so rate limits of parallel files never meet.
    REDIS_KEY_PREFIX: `lg-test-${randomBytes(4).toString('hex')}:`,
    DATABASE_POOL_SIZE: '5',
    LOG_LEVEL: 'error',
    SECRETS_MASTER_KEY: randomBytes(32).toString('base64'),
    // Vendors, homepages and webhook receivers in tests are local servers speaking plain HTTP;
    // the security suite turns this off to show what a deployment refuses.
    ALLOW_LOCAL_OUTBOUND: 'true',
    // No registry is reachable from a test: a closed local port refuses at once (tests of RDAP start their own server).
    RDAP_BOOTSTRAP_URL: 'http://127.0.0.1:9/rdap/',
    // Test files are separate deployments on one database (each its own master key and task queue): a processor takes up
    // only its own gateway's appends, never another file's lane that looks stalled (nor its outbox). The recovery tests turn it on.
    INGEST_RECOVER_AFTER_SECONDS: '0',
    ...overrides,
  });
  if (!parsed.ok) throw new Error(problemText(parsed.problem));
  return parsed.value;
}

/** `migrate`: as a deployment starts, migrations between connecting and serving (a fresh database's own run); `log`: where its lines go. */
export async function startTestGateway(opts: { config?: Config; adminToken?: string; migrate?: boolean; log?: Logger } = {}): Promise<TestGateway> {
  const config = opts.config ?? testConfig();
  const log = opts.log ?? createLogger({ level: config.LOG_LEVEL });
  const services = await connectServices({
    config,
    endpoints: {
      databaseUrl: config.DATABASE_URL ?? '',
      redisUrl: config.REDIS_URL,
      temporal: temporalEndpoint(config, config.TEMPORAL_ADDRESS ?? ''),
    },
    log,
    applicationName: 'leadgraph-test',
  });
  const adminToken = opts.adminToken ?? `adm_${randomBytes(24).toString('base64url')}`;
  let gateway: Gateway;
  try {
    if (opts.migrate === true) await migrateEverything(services, config, log);
    gateway = await startGateway({ config, adminToken, log, ...services }, { host: '127.0.0.1', port: 0 });
  } catch (error) {
    await services.close();
    throw error;
  }
  return {
    url: gateway.url,
    adminToken,
    config,
    services,
    gql: (token, query, variables) => postGraphql(gateway.url, token, query, variables),
    data: (token, query, variables) => graphqlData(gateway.url, token, query, variables),
    async close() {
      await gateway.close();
      await services.close();
    },
  };
}

export async function postGraphql<T>(
  baseUrl: string,
  token: string | undefined,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GqlResponse<T>> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: GqlResponse<T>['errors'] };
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
}

export async function graphqlData<T>(baseUrl: string, token: string | undefined, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await postGraphql<T>(baseUrl, token, query, variables);
  if (response.errors !== undefined) throw new Error(JSON.stringify(response.errors));
  return response.data as T;
}

export interface TestTenant {
  readonly id: string;
  readonly secretKey: string;
  readonly publishableKey: string;
}

/** A fresh tenant through the public operation, as an operator would make one. */
export async function createTenant(gateway: TestGateway, input: { name?: string; credits?: number; pixelHosts?: string[] } = {}): Promise<TestTenant> {
  const result = await gateway.gql<{ createTenant: { tenant: { id: string }; secretKey: string; publishableKey: string } }>(
    gateway.adminToken,
    `mutation ($input: CreateTenantInput!) { createTenant(input: $input) { tenant { id } secretKey publishableKey } }`,
    { input: { name: input.name ?? `Tenant ${randomBytes(3).toString('hex')}`, ...input } },
  );
  const created = result.data?.createTenant;
  if (created === undefined) throw new Error(`createTenant failed: ${JSON.stringify(result.errors)}`);
  return { id: created.tenant.id, secretKey: created.secretKey, publishableKey: created.publishableKey };
}

/** A gateway of `overrides` with two tenants on it: the setup of every test "from the outside, with two tenants". */
export async function startTwoTenantGateway(overrides: Record<string, string> = {}): Promise<{ gateway: TestGateway; a: TestTenant; b: TestTenant }> {
  const gateway = await startTestGateway({ config: testConfig(overrides) });
  return { gateway, a: await createTenant(gateway), b: await createTenant(gateway) };
}

/** The error code of the first error, for compact assertions. */
export const codeOf = (response: GqlResponse<unknown>): unknown => response.errors?.[0]?.extensions?.['code'];
