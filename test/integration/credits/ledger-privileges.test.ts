import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createCreditLedger } from '../../../modules/credits/credit-ledger.js';
import { warnIfLedgerUnguarded } from '../../../modules/credits/ledger-guard.js';
import { createLogger } from '../../../platform/logging/logger.js';
import { createControlDb } from '../../../platform/postgres/control-db.js';
import { createDatabase } from '../../../platform/postgres/database.js';
import { createScratchDatabase } from '../../support/scratch-postgres.js';
import { controlMigrations } from '../../../schema/migrations/control/control-migrations.js';
import { migrateControl } from '../../../schema/migrator.js';
import { createTenant, startTestGateway, testConfig, type TestGateway } from '../../support/test-gateway.js';

const LEDGER_WARNING = /credit ledger is append-only by a trigger only/;
const NOT_OWNER = /must be owner of (table|relation) credit_ledger/;

/** A logger whose lines the test reads. */
function capturedLog() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'warn', write: (line) => lines.push(line) }) };
}

/**
 * Deployed as README "Credits" says: a fresh database, control migrations
 * through MIGRATION_DATABASE_URL (here the server's superuser), the
 * application on DATABASE_URL as a login role that is a member of
 * leadgraph_application only.
 */
describe('the credit ledger under a non-owner application role', () => {
  const suffix = randomBytes(4).toString('hex');
  const appRole = `lg_app_${suffix}`;
  const ownerMember = `lg_ledger_${suffix}`;
  let database: { url: string; drop: () => Promise<void> };
  let gateway: TestGateway;
  const started = capturedLog();

  const asServer = async (sql: string) => {
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const urlAs = (role: string, on = database.url) => {
    const url = new URL(on);
    url.username = role;
    return url.toString();
  };
  const config = (databaseUrl: string, extra: Record<string, string> = {}) =>
    testConfig({ DATABASE_URL: databaseUrl, TEMPORAL_TASK_QUEUE: `ledger-roles-${suffix}`, LOG_LEVEL: 'warn', ...extra });

  beforeAll(async () => {
    database = await createScratchDatabase(inject('databaseUrl'), 'leadgraph_ledger_roles');
    const name = new URL(database.url).pathname.slice(1);
    // The operator's one-time setup (README): the group exists before the first start, the login joins it.
    await asServer(`do $$ begin create role leadgraph_application nologin; exception when duplicate_object or unique_violation then null; end $$`);
    await asServer(`create role ${appRole} login in role leadgraph_application`);
    await asServer(`grant create on database ${name} to ${appRole}`);
    gateway = await startTestGateway({ config: config(urlAs(appRole), { MIGRATION_DATABASE_URL: database.url }), migrate: true, log: started.log });
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await database?.drop();
    await asServer(`drop role if exists ${appRole}`);
    await asServer(`drop role if exists ${ownerMember}`);
  });

  const asApp = (sql: string) => gateway.services.db.query(sql);
  const ledgerRows = () => gateway.services.db.query<{ id: number; amount: number }>('select id, amount from control.credit_ledger order by id');

  it('is migrated by the owner URL: the ledger belongs to its own role, and the application starts without the warning', async () => {
    const [facts] = await asApp(
      `select current_user as role, pg_get_userbyid(relowner) as owner from pg_class where oid = 'control.credit_ledger'::regclass`,
    );
    expect(facts).toEqual({ role: appRole, owner: 'leadgraph_ledger_owner' });
    expect(started.lines.filter((line) => LEDGER_WARNING.test(line))).toEqual([]);
  });

  it('charges, refunds, reserves and releases credits through the service as that role', async () => {
    const tenant = await createTenant(gateway, { credits: 100 });
    const ledger = gateway.services.ledger;
    const expiring = createCreditLedger({ control: gateway.services.control, onBalanceChanged: () => undefined, reservationHoldMs: 0 });

    expect(await ledger.charge({ tenantId: tenant.id, amount: 10, operation: 'enrich', idempotencyKey: `k:${randomUUID()}` })).toEqual({
      ok: true,
      value: { balance: 90, replayed: false },
    });
    const key = `enrich:${randomUUID()}:reserve`;
    await ledger.reserve({ tenantId: tenant.id, amount: 5, operation: 'enrich', idempotencyKey: key });
    expect((await ledger.refund({ tenantId: tenant.id, amount: 5, operation: 'enrich', idempotencyKey: `${key}:refund`, refundsKey: key })).refunded).toBe(true);
    await expiring.reserve({ tenantId: tenant.id, amount: 3, operation: 'enrich', idempotencyKey: `enrich:${randomUUID()}:reserve` });
    await expiring.releaseExpired(10);

    const balance = await gateway.data<{ tenant: { credits: { balance: number } } }>(tenant.secretKey, '{ tenant { credits { balance } } }');
    expect(balance.tenant.credits.balance).toBe(90);
    const kinds = await gateway.services.db.query<{ kind: string }>('select kind from control.credit_ledger where tenant_id = $1 order by id', [tenant.id]);
    expect(kinds.map((k) => k.kind)).toEqual(['grant', 'charge', 'charge', 'refund', 'charge', 'release']);
  });

  it('as that role, UPDATE, DELETE and TRUNCATE of the ledger, its trigger and the table itself are all refused', async () => {
    await createTenant(gateway, { credits: 10 });
    const before = await ledgerRows();
    expect(before.length).toBeGreaterThan(0);
    const refused: Array<[string, RegExp]> = [
      ['update control.credit_ledger set amount = 0', /permission denied for table credit_ledger/],
      ['delete from control.credit_ledger', /permission denied for table credit_ledger/],
      ['truncate control.credit_ledger', /permission denied for table credit_ledger/],
      ['drop trigger credit_ledger_append_only on control.credit_ledger', NOT_OWNER],
      ['alter table control.credit_ledger disable trigger credit_ledger_append_only', NOT_OWNER],
      ['alter trigger credit_ledger_append_only on control.credit_ledger rename to gone', NOT_OWNER],
      [`create or replace function control.credit_ledger_append_only() returns trigger language plpgsql as $$ begin return old; end $$`, /must be owner of function|permission denied for schema control/],
      ['drop function control.credit_ledger_append_only() cascade', /must be owner of function|permission denied for schema control/],
      ['alter table control.credit_ledger add column note text', NOT_OWNER],
      [`alter table control.credit_ledger owner to ${appRole}`, NOT_OWNER],
      ['set role leadgraph_ledger_owner', /permission denied to set role/],
      [`grant leadgraph_ledger_owner to ${appRole}`, /must have admin option on role/],
    ];
    for (const [sql, error] of refused) await expect(asApp(sql), sql).rejects.toThrow(error);
    // A grant by a role without the grant option grants nothing (PostgreSQL only warns): UPDATE is still refused.
    await asApp(`grant update, delete on control.credit_ledger to ${appRole}`);
    await expect(asApp('update control.credit_ledger set amount = 0')).rejects.toThrow(/permission denied/);

    expect(await ledgerRows()).toEqual(expect.arrayContaining(before));
    const triggers = await asApp(`select tgname, tgenabled from pg_trigger where tgrelid = 'control.credit_ledger'::regclass and not tgisinternal order by tgname`);
    expect(triggers).toEqual([
      { tgname: 'credit_ledger_append_only', tgenabled: 'O' },
      { tgname: 'credit_ledger_no_truncate', tgenabled: 'O' },
    ]);
  });

  it('warns at start when the application connects as a superuser, and when as a member of the ledger owner role', async () => {
    const asSuperuser = capturedLog();
    const superGateway = await startTestGateway({ config: config(database.url), migrate: true, log: asSuperuser.log });
    await superGateway.close();
    expect(asSuperuser.lines.filter((line) => LEDGER_WARNING.test(line)).map((line) => JSON.parse(line).reason)).toEqual([expect.stringMatching(/is a superuser/)]);

    await asServer(`create role ${ownerMember} login in role leadgraph_ledger_owner`);
    const db = createDatabase({ url: urlAs(ownerMember), poolSize: 1, applicationName: 'ledger-owner-probe' });
    const asOwner = capturedLog();
    try {
      await warnIfLedgerUnguarded(createControlDb(db), asOwner.log);
    } finally {
      await db.close();
    }
    expect(asOwner.lines.map((line) => JSON.parse(line).reason)).toEqual([expect.stringMatching(/member of leadgraph_ledger_owner, the owner of control.credit_ledger/)]);
  });

  it('stops a deployment whose application role runs the control migrations itself, and says to use MIGRATION_DATABASE_URL', async () => {
    const other = await createScratchDatabase(inject('databaseUrl'), 'leadgraph_ledger_self');
    const db = createDatabase({ url: urlAs(appRole, other.url), poolSize: 1, applicationName: 'self-migration' });
    try {
      await asServer(`grant create on database ${new URL(other.url).pathname.slice(1)} to ${appRole}`);

      await expect(migrateControl(db, controlMigrations)).rejects.toMatchObject({
        message: expect.stringMatching(new RegExp(`gives the credit ledger to the role leadgraph_ledger_owner, which ${appRole} may not make or join`)),
        hint: expect.stringMatching(/MIGRATION_DATABASE_URL/),
      });
      // Nothing of 0011 is half-applied: the ledger is still the application role's own, and 0011 is not recorded.
      const [state] = await db.query(
        `select pg_get_userbyid(relowner) as owner, exists (select 1 from control.schema_migrations where name = '0011-credit-reservations') as applied
           from pg_class where oid = 'control.credit_ledger'::regclass`,
      );
      expect(state).toEqual({ owner: appRole, applied: false });
    } finally {
      await db.close();
      await other.drop();
    }
  });
});
