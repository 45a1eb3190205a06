import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrateTenant } from '../../schema/migrator.js';
import { createDatabase, type Database } from '../../platform/postgres/database.js';
import { isStatementTimeout } from '../../platform/postgres/statement-timeout.js';
import { codeOf, createTenant, startTestGateway, testConfig, type TestGateway } from '../support/test-gateway.js';

const TIMEOUT_MS = 1_500;
const LEADS = '{ leads(first: 5) { totalCount edges { node { id } } } }';

/**
 * A tenant's statement that runs long is cancelled, so it cannot hold a pooled connection, its
 * locks and the CPU every tenant shares. From the outside the slow statement is a real one: the
 * tenant's `leads` query, held up behind a lock another session took on the tenant's table (as a
 * long transaction or a migration would).
 */
describe('statement timeout on tenant work', () => {
  let gateway: TestGateway;
  let blocker: pg.Client | undefined;

  beforeAll(async () => {
    gateway = await startTestGateway({ config: testConfig({ TENANT_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS) }) });
  });
  afterEach(async () => {
    await blocker?.end();
    blocker = undefined;
  });
  afterAll(async () => {
    await gateway.close();
  });

  const schemaOf = async (tenantId: string) =>
    (await gateway.services.db.query<{ schema_name: string }>('select schema_name from control.tenants where id = $1', [tenantId]))[0]!.schema_name;

  /** Another session holds the tenant's leads table until the test ends. */
  const lockLeadsOf = async (schema: string) => {
    blocker = new pg.Client({ connectionString: gateway.config.DATABASE_URL });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query(`lock table "${schema}".leads in access exclusive mode`);
  };

  it("cancels a tenant's stuck query with QUERY_TOO_COMPLEX and no SQL, while another tenant is served", async () => {
    const a = await createTenant(gateway);
    const b = await createTenant(gateway);
    await lockLeadsOf(await schemaOf(a.id));

    const stuck = gateway.gql(a.secretKey, LEADS);
    // B is not held up by A's stuck statement.
    const ofB = await gateway.gql<{ leads: { totalCount: number } }>(b.secretKey, LEADS);
    expect(ofB.errors).toBeUndefined();
    expect(ofB.data?.leads.totalCount).toBe(0);

    const response = await stuck;
    expect(codeOf(response)).toBe('QUERY_TOO_COMPLEX');
    expect(response.errors?.[0]?.extensions?.['reason']).toBe('STATEMENT_TIMEOUT');
    const told = JSON.stringify(response.errors);
    for (const leak of ['select', 'canceling', 'statement timeout', 'count(', a.id]) expect(told.toLowerCase()).not.toContain(leak.toLowerCase());
  });

  it("the gateway's pool runs every statement under the configured timeout", async () => {
    const [shown] = await gateway.services.db.query<{ statement_timeout: string }>('show statement_timeout');
    expect(shown?.statement_timeout).toBe(`${TIMEOUT_MS}ms`);
    // Inside a transaction too, where tenant writes run.
    const inTransaction = await gateway.services.db.transaction((tx) => tx.query<{ statement_timeout: string }>('show statement_timeout'));
    expect(inTransaction[0]?.statement_timeout).toBe(`${TIMEOUT_MS}ms`);
  });

  describe('the database handle', () => {
    let db: Database;
    beforeAll(() => {
      db = createDatabase({ url: gateway.config.DATABASE_URL ?? '', poolSize: 2, applicationName: 'statement-timeout-test', statementTimeoutMs: 200 });
    });
    afterAll(async () => {
      await db.close();
    });

    it('cancels a statement past the timeout with an error the gateway recognises', async () => {
      const error = await db.query('select pg_sleep(5)').then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(isStatementTimeout(error)).toBe(true);
      // The connection is usable afterwards: the pool is not poisoned by a cancelled statement.
      expect(await db.query<{ one: number }>('select 1 as one')).toEqual([{ one: 1 }]);
    });

    it('lets a transaction choose its own timeout, as migrations do (0: none)', async () => {
      const unbounded = await db.transaction((tx) => tx.query<{ statement_timeout: string }>('show statement_timeout'), { statementTimeoutMs: 0 });
      expect(unbounded[0]?.statement_timeout).toBe('0');
      // SET LOCAL ends with the transaction: the pooled connection is back to the pool's timeout.
      const after = await db.transaction((tx) => tx.query<{ statement_timeout: string }>('show statement_timeout'));
      expect(after[0]?.statement_timeout).toBe('200ms');
      await expect(db.transaction(async () => undefined, { statementTimeoutMs: -1 })).rejects.toThrow(RangeError);
    });

    it('runs migrations without the timeout, so a long one is not cancelled half way', async () => {
      const schema = `t_${randomBytes(6).toString('hex')}`;
      const report = await migrateTenant(db, schema, [
        { name: '0001_slow', up: (quoted) => ['select pg_sleep(0.4)', `create table ${quoted}.probe (id int)`] },
      ]);
      expect(report.applied).toEqual(['0001_slow']);
      await db.query(`drop schema "${schema}" cascade`);
    });
  });
});
