/**
 * `npm run db:types`: the row types of every table, generated from the
 * migrations themselves (kysely-codegen over a scratch database migrated
 * from nothing), so a column's type is what PostgreSQL says it is, never a
 * hand-written interface beside it. `--verify` checks the committed files
 * instead of writing them (the suite runs it).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { createDatabase } from '../../platform/postgres/database.js';
import { controlMigrations } from '../migrations/control/control-migrations.js';
import { tenantMigrations } from '../migrations/tenant/tenant-migrations.js';
import { migrateControl, migrateTenant } from '../migrator.js';

const run = promisify(execFile);
const SCRATCH_DATABASE = 'leadgraph_table_types';
// Any valid tenant schema name: the generated names are unqualified, so it never shows.
const TENANT_SCHEMA = 't_tabletypes';

export const TABLE_TYPE_FILES = {
  control: fileURLToPath(new URL('./control-tables.ts', import.meta.url)),
  tenant: fileURLToPath(new URL('./tenant-tables.ts', import.meta.url)),
} as const;

// jsonb columns are typed by their readers (each parses what it reads); bigint counters stay below 2^53.
const TYPE_MAPPING = JSON.stringify({ int8: 'number' });

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function recreateScratchDatabase(serverUrl: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${SCRATCH_DATABASE} with (force)`);
    await admin.query(`create database ${SCRATCH_DATABASE}`);
  } finally {
    await admin.end();
  }
  return withDatabase(serverUrl, SCRATCH_DATABASE);
}

async function codegen(url: string, schema: string, outFile: string, verify: boolean): Promise<void> {
  const bin = fileURLToPath(new URL('../../node_modules/kysely-codegen/dist/cli/bin.js', import.meta.url));
  await run(process.execPath, [
    bin,
    '--dialect=postgres',
    `--url=${url}`,
    `--default-schema=${schema}`,
    `--include-pattern=${schema}.*`,
    // The ingestion log's daily partitions are the log's own table under another name (and change daily).
    '--exclude-pattern={*.schema_migrations,*.ingest_log_*}',
    `--type-mapping=${TYPE_MAPPING}`,
    `--out-file=${outFile}`,
    '--log-level=error',
    ...(verify ? ['--verify'] : []),
  ]);
}

/** Migrates a scratch database from nothing and generates (or verifies) both files. */
export async function generateTableTypes(opts: { serverUrl: string; verify: boolean }): Promise<void> {
  const url = await recreateScratchDatabase(opts.serverUrl);
  const db = createDatabase({ url, poolSize: 2, applicationName: 'table-types' });
  try {
    await migrateControl(db, controlMigrations);
    await migrateTenant(db, TENANT_SCHEMA, tenantMigrations);
  } finally {
    await db.close();
  }
  await codegen(url, 'control', TABLE_TYPE_FILES.control, opts.verify);
  await codegen(url, TENANT_SCHEMA, TABLE_TYPE_FILES.tenant, opts.verify);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  await generateTableTypes({ serverUrl, verify: process.argv.includes('--verify') });
}
