import { z } from 'zod';
import { failure, invalidInput, problemText, success, type Outcome } from '../outcome.js';
import { HOSTNAME } from '../../tenants/provisioning/hostname.js';
import { parseTrustProxy, type TrustProxySetting } from '../http/peer-address.js';

// Environment flags arrive as strings; "false" must not become true.
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const commaList = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''));
const hostList = commaList.transform((hosts) => hosts.map((h) => h.toLowerCase().replace(/\.$/, '')));

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: port.default(4000),
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),

  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  // Control migrations' connection, as a role that owns the control schema: the application's own (DATABASE_URL) then
  // cannot change the ledger's append-only rule (README, "Credits"). Unset: migrations run on DATABASE_URL.
  MIGRATION_DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  DATABASE_POOL_SIZE: positiveInt.default(10),
  EMBEDDED_POSTGRES_PORT: port.default(5488),

  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port').optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('leadgraph'),
  TEMPORAL_TLS: flag.default(false),
  TEMPORAL_TLS_CERT: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_CLI: z.string().min(1).optional(),
  /** Origins of Temporal UIs allowed to call the operator's codec endpoint from a browser (CORS), e.g. http://localhost:8233. */
  TEMPORAL_UI_ORIGINS: commaList.default([]),
  EMBEDDED_TEMPORAL_PORT: port.default(7244),

  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  REDIS_KEY_PREFIX: z.string().default('lg:'),

  KEY_CACHE_TTL_SECONDS: positiveInt.default(300),
  RATE_LIMIT_PER_MINUTE: positiveInt.default(1200),
  INGEST_RATE_LIMIT_PER_MINUTE: positiveInt.default(60_000),
  // Per visitor on /v1/*, p.gif and the email pixel, per tenant: by client address and by anonymousId (or the pixel's email).
  INGEST_ADDRESS_RATE_LIMIT_PER_MINUTE: positiveInt.default(600),
  INGEST_VISITOR_RATE_LIMIT_PER_MINUTE: positiveInt.default(120),
  // Events waiting in this process to be appended to the log, per tenant and in all; more is answered 503 with Retry-After.
  INGEST_QUEUE_MAX_EVENTS_PER_TENANT: positiveInt.default(20_000),
  INGEST_QUEUE_MAX_EVENTS: positiveInt.default(100_000),
  // Events appended and not processed yet (the backlog), bulk per tenant and in all, and a tenant's visitors' own calls;
  // past a bound the endpoints answer 503 with Retry-After.
  INGEST_MAX_BACKLOG_PER_TENANT: positiveInt.default(1_000_000),
  INGEST_MAX_BACKLOG: positiveInt.default(5_000_000),
  INGEST_MAX_URGENT_BACKLOG_PER_TENANT: positiveInt.default(50_000),
  // Lanes (tenant × visitor/bulk) this process processes at once, per kind; 0: this process only appends.
  INGEST_PROCESSOR_CONCURRENCY: z.coerce.number().int().min(0).max(64).default(2),
  INGEST_CHUNK_EVENTS: positiveInt.default(1_000),
  // A lane whose cursor no processor moved for this long (its process stopped) is taken up by any processor.
  // 0: this process recovers nobody else's lanes or effects (a deployment that shares its database with others, as the test suite does).
  INGEST_RECOVER_AFTER_SECONDS: z.coerce.number().int().min(0).default(10),
  // Processed log partitions (one a day) are kept this long, then dropped.
  INGEST_LOG_RETENTION_DAYS: positiveInt.default(2),
  // Fault injection for the fault tests: `kill-after-tell` SIGKILLs this process the moment its first effects are told
  // and before their outbox row is cleared, the narrowest window in which an effect could be told twice.
  INGEST_FAULT: z.enum(['none', 'kill-after-tell']).default('none'),
  TRUST_PROXY: z
    .string()
    .transform((v, ctx): TrustProxySetting => {
      const parsed = parseTrustProxy(v);
      if (parsed.ok) return parsed.value;
      ctx.addIssue({ code: 'custom', message: problemText(parsed.problem) });
      return z.NEVER;
    })
    .default(false),
  // Host names the platform answers on (besides PUBLIC_URL's): never a tenant's pixel host, nor any name under them.
  PLATFORM_HOSTS: hostList.default([]),
  // The platform's pixel domain: a tenant proves a host by a CNAME to <its token>.<this>.
  PIXEL_CNAME_TARGET: z
    .string()
    .transform((v) => v.trim().toLowerCase().replace(/\.$/, ''))
    .pipe(z.string().max(190).regex(HOSTNAME, 'must be a host name like pixel.example.com'))
    .optional(),
  PIXEL_HOST_DNS_SERVERS: commaList.optional(),
  PIXEL_HOST_RECHECK_MINUTES: positiveInt.default(60),
  PIXEL_HOST_GRACE_CHECKS: positiveInt.default(3),
  MAX_QUERY_DEPTH: positiveInt.default(12),
  MAX_QUERY_COST: positiveInt.default(25_000),
  MAX_PAGE_SIZE: positiveInt.default(100),
  // GraphQL over WebSocket (subscriptions only); the connection cap counts per gateway instance.
  WS_MAX_PAYLOAD_BYTES: positiveInt.default(64 * 1024),
  WS_INIT_TIMEOUT_MS: positiveInt.default(3_000),
  WS_MAX_CONNECTIONS_PER_KEY: positiveInt.default(50),
  WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: positiveInt.default(100),
  // Every statement of the shared pool (requests, ingestion, workers); migrations run without one.
  TENANT_STATEMENT_TIMEOUT_MS: positiveInt.default(10_000),
  TENANT_MIGRATION_CONCURRENCY: positiveInt.default(8),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),

  SECRETS_MASTER_KEY: z.string().min(1).optional(),
  ENRICHMENT_DNS_SERVERS: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''))
    .optional(),
  ENRICHMENT_DNS_TIMEOUT_MS: positiveInt.default(3000),
  ENRICHMENT_SMTP_PROBE: flag.default(false),
  ENRICHMENT_SMTP_HELO: z.string().min(1).default('localhost'),
  // Deprecated alias of ALLOW_LOCAL_OUTBOUND, honoured outside production as it always was; ignored in production.
  ENRICHMENT_ALLOW_HTTP_VENDORS: flag.default(false),
  // Requests to URLs others chose (homepages, vendors, webhooks): local targets only for tests and same-host services.
  ALLOW_LOCAL_OUTBOUND: flag.default(false),
  OUTBOUND_TIMEOUT_MS: positiveInt.default(15_000),
  OUTBOUND_MAX_BODY_BYTES: positiveInt.default(1_048_576),
  OUTBOUND_MAX_REDIRECTS: z.coerce.number().int().min(0).max(20).default(5),
  OUTBOUND_DNS_SERVERS: commaList.optional(),
  ENRICHMENT_BATCH_CONCURRENCY: positiveInt.default(10),
  // RDAP for visitors' networks: IANA's bootstrap files say which registry to ask; answers are kept in control.rdap_networks.
  RDAP_BOOTSTRAP_URL: url(['http:', 'https:']).default('https://data.iana.org/rdap/'),
  RDAP_CACHE_DAYS: positiveInt.default(90),
  RDAP_TIMEOUT_MS: positiveInt.default(3000),
  // PeeringDB network-type sync: off unless set (production: https://www.peeringdb.com); a key raises PeeringDB's rate limit.
  PEERINGDB_URL: url(['http:', 'https:']).optional(),
  PEERINGDB_API_KEY: z.string().min(1).optional(),
  PEERINGDB_SYNC_HOURS: positiveInt.default(24),
  // A credit reservation unsettled this long (its job terminated) is released by the sweep; unset: the ledger's default.
  // 0 releases at the next sweep even a live job's: tests only.
  CREDIT_RESERVATION_HOLD_SECONDS: z.coerce.number().int().min(0).optional(),
  CREDIT_RESERVATION_SWEEP_MINUTES: positiveInt.default(10),
});

export type Config = z.infer<typeof configSchema>;

/**
 * Parses the environment once; a wrong value names its variable. A refusal is
 * one report of every wrong variable, so its path is the environment as a whole ([]).
 */
export function parseConfig(env: Record<string, string | undefined>): Outcome<Config> {
  // An empty variable means "unset", as shells and .env files often leave them.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(present);
  if (parsed.success) {
    const config = parsed.data;
    if (config.TEMPORAL_TLS_CERT !== undefined && config.TEMPORAL_TLS_KEY === undefined) {
      return failure(invalidInput([], 'Invalid configuration:\n  TEMPORAL_TLS_KEY: required when TEMPORAL_TLS_CERT is set'));
    }
    return success(config);
  }
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  return failure(invalidInput([], `Invalid configuration:\n${lines.join('\n')}`));
}

/** For process entry points: a wrong value stops the start with the message. */
export function loadConfigOrExit(env: Record<string, string | undefined>): Config {
  const result = parseConfig(env);
  if (!result.ok) {
    process.stderr.write(`${problemText(result.problem)}\n`);
    process.exit(78); // EX_CONFIG
  }
  return result.value;
}
