/**
 * The layout DESIGN.md draws, checked on the source itself: edges that never
 * import each other, modules that import no edge, a pure `intelligence/`,
 * SQL only in the data layer, each table written by its owner alone, and
 * feature code that never holds the root pool.
 */
import { describe, expect, it } from 'vitest';
import { sourceTree, topFolder, type SourceFile } from './source-tree.js';

const files = sourceTree();
const moduleOf = (file: string): string | undefined => (file.startsWith('modules/') ? file.split('/')[1] : undefined);

function offending(test: (file: SourceFile) => readonly string[]): string[] {
  return files.flatMap((file) => test(file).map((what) => `${file.path}: ${what}`));
}

const importsOf = (file: SourceFile, targetFolders: readonly string[], opts: { typesToo: boolean }) =>
  file.imports.filter((i) => targetFolders.includes(topFolder(i.target)) && (opts.typesToo || !i.typeOnly)).map((i) => i.target);

describe('the edges', () => {
  it('api/ and workflows/ never import each other', () => {
    expect(
      offending((file) => {
        if (topFolder(file.path) === 'api') return importsOf(file, ['workflows'], { typesToo: true });
        if (topFolder(file.path) === 'workflows') return importsOf(file, ['api'], { typesToo: true });
        return [];
      }),
    ).toEqual([]);
  });

  it('the edges take from the composition root its types only; it builds them, not they it', () => {
    expect(offending((file) => (['api', 'workflows'].includes(topFolder(file.path)) ? importsOf(file, ['composition'], { typesToo: false }) : []))).toEqual([]);
  });

  it('no module, tenancy, platform, schema or intelligence file imports an edge or the composition root', () => {
    const inner = ['modules', 'tenants', 'platform', 'schema', 'intelligence'];
    expect(
      offending((file) => (inner.includes(topFolder(file.path)) ? importsOf(file, ['api', 'workflows', 'composition'], { typesToo: true }) : [])),
    ).toEqual([]);
  });

  it('Temporal is an edge: modules and tenancy talk to it through ports the composition root fills', () => {
    expect(
      offending((file) =>
        ['modules', 'tenants'].includes(topFolder(file.path)) ? file.imports.filter((i) => i.target.startsWith('@temporalio/')).map((i) => i.target) : [],
      ),
    ).toEqual([]);
  });
});

/** Platform files with no I/O, which the pure code may share: typed outcomes and the address ranges (ipaddr.js). */
const PURE_PLATFORM = ['platform/outcome.ts', 'platform/outbound/address-policy.ts'];

describe('intelligence/', () => {
  it('is pure: it imports only itself and plain libraries, never I/O, an ORM, Temporal, Redis or GraphQL', () => {
    const io = ['pg', 'kysely', '@mikro-orm/core', '@mikro-orm/postgresql', 'ioredis', 'graphql', 'type-graphql', '@apollo/server', 'undici', 'node:net', 'node:dns', 'node:fs', 'node:http', 'node:https'];
    expect(
      offending((file) => {
        if (topFolder(file.path) !== 'intelligence') return [];
        return file.imports
          .filter((i) => !i.typeOnly && !PURE_PLATFORM.includes(i.target))
          .filter((i) => io.includes(i.target) || i.target.startsWith('@temporalio/') || (i.target.endsWith('.ts') && topFolder(i.target) !== 'intelligence'))
          .map((i) => i.target);
      }),
    ).toEqual([]);
  });
});

describe('a module per feature', () => {
  it('no feature has a folder outside its module, its GraphQL and Temporal edges and the pure intelligence/', () => {
    const features = new Set(files.map((file) => moduleOf(file.path)).filter((m): m is string => m !== undefined));
    const allowed = (folder: string, feature: string) =>
      [`modules/${feature}`, `api/graphql/${feature}`, `workflows/${feature}`, `intelligence/${feature}`].some((root) => folder === root || folder.startsWith(`${root}/`));
    const strays = new Set<string>();
    for (const file of files) {
      const folders = file.path.split('/').slice(0, -1);
      folders.forEach((name, depth) => {
        if (!features.has(name)) return;
        const folder = folders.slice(0, depth + 1).join('/');
        if (!allowed(folder, name)) strays.add(folder);
      });
    }
    expect([...strays]).toEqual([]);
  });
});

/** Literal text that is a SQL statement (or a tenant-qualified table), not prose. */
const SQL_STATEMENT = [
  /\bselect\b[\s\S]+\bfrom\s+[\w{}".]+/i,
  /\binsert\s+into\s+[\w{}".]+/i,
  /\bdelete\s+from\s+[\w{}".]+/i,
  /\bupdate\s+[\w{}".]+\s+set\b/i,
  /\{t\}\.\w+/,
  /\bon\s+conflict\b/i,
];

/**
 * The data layer: repositories, the schema (migrations, ORM, table types), the
 * pool itself, the embedded server's bootstrap (it creates the database), and
 * the segment rule compiler, whose output is SQL by design (pure: text and
 * parameters for the segments repository, never a connection).
 */
const isDataLayer = (file: string) =>
  file.endsWith('.repository.ts') ||
  topFolder(file) === 'schema' ||
  file.startsWith('platform/postgres/') ||
  file === 'platform/embedded/embedded-postgres.ts' ||
  file === 'intelligence/segments/compile-segment.ts';


describe('the data layer', () => {
  it('holds every SQL statement: repositories, schema/ and platform/postgres/', () => {
    const holders = files.filter((file) => !isDataLayer(file.path) && file.literals.some((text) => SQL_STATEMENT.some((pattern) => pattern.test(text))));
    expect(holders.map((file) => file.path)).toEqual([]);
  });

  it('is the only code that holds the root pool or builds a query client: feature code gets a TenantDb or the ControlDb', () => {
    const rootPool = ['platform/postgres/database.ts', 'pg', 'kysely'];
    const mayHoldRoot = (file: string) =>
      isDataLayer(file) || topFolder(file) === 'composition' || file === 'tenants/tenant-db.ts' || file.startsWith('platform/embedded/');
    expect(
      offending((file) => (mayHoldRoot(file.path) ? [] : file.imports.filter((i) => rootPool.includes(i.target) && !(i.target === 'kysely' && i.typeOnly)).map((i) => i.target))),
    ).toEqual([]);
  });
});

/** Which module's repositories alone write each table. */
const TABLE_OWNERS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(['events', 'identities', 'identity_conflicts', 'leads', 'merges', 'sessions'].map((t) => [t, 'modules/leads/'])),
  // The ingestion log and its positions (control) belong to ingestion, which is the leads module's.
  ...Object.fromEntries(
    ['ingest_log', 'message_ids', 'ingest_touched', 'ingest_effects', 'ingest_dead_letters', 'ingest_heads', 'ingest_model_cursors', 'ingest_cursors'].map((t) => [t, 'modules/leads/']),
  ),
  companies: 'modules/companies/',
  ...Object.fromEntries(
    ['enrichment_calls', 'enrichment_jobs', 'enrichment_settings', 'enrichment_vendors', 'lead_fields', 'company_answers'].map((t) => [t, 'modules/enrichment/']),
  ),
  scoring_models: 'modules/scoring/',
  segments: 'modules/segments/',
  segment_memberships: 'modules/segments/',
  webhooks: 'modules/webhooks/',
  webhook_deliveries: 'modules/webhooks/',
  ...Object.fromEntries(['consent_changes', 'deletion_requests', 'export_requests', 'suppressions', 'privacy_request_subjects'].map((t) => [t, 'modules/privacy/'])),
  settings: 'modules/tracking-settings/',
  pixel_hosts: 'modules/tracking-settings/',
  ...Object.fromEntries(['tenants', 'api_keys', 'audit_log', 'tenant_deletions', 'tenant_data_keys', 'bot_events', 'suppressed_events'].map((t) => [t, 'tenants/'])),
  credit_balances: 'modules/credits/',
  credit_ledger: 'modules/credits/',
  credit_reservations: 'modules/credits/',
  ...Object.fromEntries(['rdap_networks', 'peeringdb_networks', 'peeringdb_sync_state'].map((t) => [t, 'platform/network/'])),
};

/**
 * Erasure reaches every table a person is in, in one transaction, by design
 * (and issue 16's receipt counts it in one place): its repository may delete
 * from any tenant table. Retention is erasure by age, and says in one place
 * how long every personal store is kept. Nothing else writes another module's table.
 */
const WRITES_ANY_TABLE = ['modules/privacy/erasure.repository.ts', 'modules/privacy/retention.repository.ts'];

const RAW_WRITE = /\b(?:insert\s+into|update|delete\s+from)\s+(?:\{t\}|control|"?t_\w+"?)\.(\w+)/gi;

describe('one owner per table', () => {
  it('knows the owner of every table the migrations make', async () => {
    const { TABLE_NAMES } = await import('./table-names.js');
    expect(TABLE_NAMES.filter((table) => TABLE_OWNERS[table] === undefined)).toEqual([]);
  });

  it("writes a table only from its owner's repositories", () => {
    const writes = files.flatMap((file) => {
      const raw = file.literals.flatMap((text) => [...text.matchAll(RAW_WRITE)].map((match) => match[1] ?? ''));
      return [...new Set([...raw, ...file.builderWrites])].map((table) => ({ file: file.path, table }));
    });
    const strays = writes
      .filter(({ file }) => !WRITES_ANY_TABLE.includes(file) && !file.startsWith('schema/'))
      .filter(({ file, table }) => {
        const owner = TABLE_OWNERS[table];
        return owner === undefined || !file.startsWith(owner);
      })
      .map(({ file, table }) => `${file}: ${table}`);
    expect(strays).toEqual([]);
  });
});
