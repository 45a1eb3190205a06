import { Redis } from 'ioredis';
import type { TestGateway, TestTenant } from '../support/test-gateway.js';
import { eventually as lastRead } from '../support/eventually.js';

/** A deletion or export request as these tests read it back. */
export interface RequestView {
  readonly id: string;
  readonly status: string;
  readonly requestedAt: string;
  readonly completedAt: string | null;
}

export interface ReceiptView {
  readonly startedAt: string | null;
  readonly completedAt: string;
  readonly tables: ReadonlyArray<{ readonly table: string; readonly rows: number }>;
  readonly cacheEntriesPurged: number;
  readonly suppressionsRecorded: number;
  readonly workflowsTerminated: number;
  readonly exportDocumentsDeleted: number;
  readonly webhooksTold: number;
}

export interface DeletionView extends RequestView {
  readonly startedAt: string | null;
  readonly erased: Record<string, number> | null;
  readonly error: string | null;
  readonly receipt: ReceiptView | null;
}

export interface ExportView extends RequestView {
  readonly expiresAt: string;
  readonly document: Record<string, unknown> | null;
}

const DELETION_FIELDS = `id status requestedAt startedAt completedAt erased error
  receipt { startedAt completedAt tables { table rows } cacheEntriesPurged suppressionsRecorded workflowsTerminated exportDocumentsDeleted webhooksTold }`;
const EXPORT_FIELDS = 'id status requestedAt completedAt expiresAt document';

export const REQUEST_DELETION = `mutation ($input: DeletionInput!) { requestDeletion(input: $input) { ${DELETION_FIELDS} } }`;
export const DELETION_REQUEST = `query ($id: ID!) { deletionRequest(id: $id) { ${DELETION_FIELDS} } }`;
export const REQUEST_EXPORT = `mutation ($input: DeletionInput!) { requestExport(input: $input) { ${EXPORT_FIELDS} } }`;
export const EXPORT_REQUEST = `query ($id: ID!) { exportRequest(id: $id) { ${EXPORT_FIELDS} } }`;

async function data<T>(gateway: TestGateway, token: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await gateway.gql<T>(token, query, variables);
  if (response.errors !== undefined || response.data === null || response.data === undefined) throw new Error(JSON.stringify(response.errors));
  return response.data;
}

export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const value = await lastRead(read, ok, timeoutMs);
  if (!ok(value)) throw new Error(`${what} not reached in ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
  return value;
}

const settled = (request: RequestView | null) => request?.status === 'COMPLETED' || request?.status === 'FAILED';

export async function requestDeletion(gateway: TestGateway, tenant: TestTenant, input: { email?: string; leadId?: string }): Promise<DeletionView> {
  return (await data<{ requestDeletion: DeletionView }>(gateway, tenant.secretKey, REQUEST_DELETION, { input })).requestDeletion;
}

export async function deletionRequest(gateway: TestGateway, tenant: TestTenant, id: string): Promise<DeletionView | null> {
  return (await data<{ deletionRequest: DeletionView | null }>(gateway, tenant.secretKey, DELETION_REQUEST, { id })).deletionRequest;
}

/** Requests the deletion and waits until the workflow settled it. */
export async function deletePerson(gateway: TestGateway, tenant: TestTenant, input: { email?: string; leadId?: string }, timeoutMs = 60_000): Promise<DeletionView> {
  const request = await requestDeletion(gateway, tenant, input);
  const done = await eventually(() => deletionRequest(gateway, tenant, request.id), settled, timeoutMs, `deletion ${request.id} settled`);
  return done!;
}

export async function exportPerson(gateway: TestGateway, tenant: TestTenant, input: { email?: string; leadId?: string }): Promise<ExportView> {
  const request = (await data<{ requestExport: ExportView }>(gateway, tenant.secretKey, REQUEST_EXPORT, { input })).requestExport;
  const done = await eventually(() => exportRequest(gateway, tenant, request.id), settled, 60_000, `export ${request.id} settled`);
  return done!;
}

export async function exportRequest(gateway: TestGateway, tenant: TestTenant, id: string): Promise<ExportView | null> {
  return (await data<{ exportRequest: ExportView | null }>(gateway, tenant.secretKey, EXPORT_REQUEST, { id })).exportRequest;
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
const likePattern = (needle: string) => `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export interface FoundRow {
  readonly schema: string;
  readonly table: string;
  readonly row: Record<string, unknown>;
}

/** Every row of every table of the tenant's schema whose JSON mentions one of the needles (any case). */
export async function rowsMentioning(gateway: TestGateway, tenantId: string, needles: readonly string[]): Promise<FoundRow[]> {
  return rowsOfSchemaMentioning(gateway, `t_${tenantId}`, needles, 15);
}

/** The same over any schema (`control`, say); `atLeast` tables must be there, or the scan would prove nothing. */
export async function rowsOfSchemaMentioning(gateway: TestGateway, schema: string, needles: readonly string[], atLeast = 1): Promise<FoundRow[]> {
  const tables = await gateway.services.db.query<{ name: string }>(
    `select table_name as name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE' order by 1`,
    [schema],
  );
  if (tables.length < atLeast) throw new Error(`the scan found only ${tables.length} tables in ${schema}`);
  const found: FoundRow[] = [];
  for (const { name } of tables) {
    const rows = await gateway.services.db.query<{ row: Record<string, unknown> }>(
      `select row_to_json(t) as row from ${quoted(schema)}.${quoted(name)} t where row_to_json(t)::text ilike any($1)`,
      [needles.map(likePattern)],
    );
    found.push(...rows.map(({ row }) => ({ schema, table: name, row })));
  }
  return found;
}

/** Every key under the gateway's Redis prefix that mentions one of the needles, in its name or its value, whatever its type. */
export async function redisMentioning(gateway: TestGateway, needles: readonly string[]): Promise<string[]> {
  const redis = new Redis(gateway.config.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const lowered = needles.map((n) => n.toLowerCase());
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${gateway.config.REDIS_KEY_PREFIX}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const text = `${key} ${await valueText(redis, key)}`.toLowerCase();
        if (lowered.some((needle) => text.includes(needle))) found.push(key);
      }
    } while (cursor !== '0');
    return found;
  } finally {
    redis.disconnect();
  }
}

async function valueText(redis: Redis, key: string): Promise<string> {
  switch (await redis.type(key)) {
    case 'string':
      return (await redis.get(key)) ?? '';
    case 'hash':
      return JSON.stringify(await redis.hgetall(key));
    case 'set':
      return (await redis.smembers(key)).join(' ');
    case 'zset':
      return (await redis.zrange(key, '0', '-1')).join(' ');
    case 'list':
      return (await redis.lrange(key, 0, -1)).join(' ');
    case 'stream':
      return JSON.stringify(await redis.xrange(key, '-', '+'));
    default:
      return '';
  }
}
