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

/**
 * Files that still hold SQL outside a repository, moving into their modules'
 * repositories (issue 14). The list only shrinks: a file leaves it when its
 * statements move, and the test fails if a listed file no longer holds any.
 */
const SQL_NOT_YET_IN_A_REPOSITORY: readonly string[] = [
  'modules/companies/company-import.service.ts',
  'modules/companies/company-records.ts',
  'modules/companies/email-companies.ts',
  'modules/companies/network-company-lookup.ts',
  'modules/credits/credit-ledger.ts',
  'modules/enrichment/answer-cache.ts',
  'modules/enrichment/automatic-enrichment.ts',
  'modules/enrichment/enrichment-jobs.ts',
  'modules/enrichment/enrichment-settings.ts',
  'modules/enrichment/enrichment.service.ts',
  'modules/enrichment/lead-fields.ts',
  'modules/enrichment/manual-fields.ts',
  'modules/enrichment/provider-catalog.ts',
  'modules/enrichment/providers/ip-organization.provider.ts',
  'modules/enrichment/providers/tenant-dataset.provider.ts',
  'modules/lead-changes/evaluation-inputs.reader.ts',
  'modules/lead-changes/lead-evaluation.ts',
  'modules/leads/ingest/batch-state.ts',
  'modules/leads/ingest/batch-writer.ts',
  'modules/leads/ingest/event-store.ts',
  'modules/leads/ingest/identity-resolver.ts',
  'modules/leads/ingest/lead-merges.ts',
  'modules/leads/lead-loaders.ts',
  'modules/leads/lead-reads.ts',
  'modules/privacy/consent-changes.ts',
  'modules/privacy/consent.service.ts',
  'modules/privacy/expired-data.ts',
  'modules/privacy/person-cache-keys.ts',
  'modules/privacy/person-export.ts',
  'modules/privacy/person-resolution.ts',
  'modules/privacy/privacy-requests.ts',
  'modules/privacy/suppression-list.ts',
  'modules/segments/segment-records.ts',
  'modules/segments/segment-windows.ts',
  'modules/segments/segment.service.ts',
  'modules/tracking-settings/pixel-host-claims.ts',
  'modules/tracking-settings/tracking-settings.service.ts',
  'modules/tracking-settings/tracking-site.ts',
  'modules/webhooks/stranded-deliveries.ts',
  'modules/webhooks/webhook-registry.ts',
  'platform/network/peeringdb-networks.ts',
  'platform/network/rdap-cache.ts',
  'tenants/api-keys/api-key-store.ts',
  'tenants/api-keys/key-resolver.ts',
  'tenants/audit/audit-log.ts',
  'tenants/offboarding/tenant-offboarding.ts',
  'tenants/provisioning/tenant-provisioning.ts',
  'tenants/tenant-status.ts',
  'tenants/usage/dropped-events.ts',
  'workflows/enrichment/enrich-batch.activities.ts',
  'workflows/enrichment/enrich-lead.activities.ts',
  'workflows/migrate-tenants/migrate-tenants.activities.ts',
  'workflows/offboarding/offboard-tenant.activities.ts',
  'workflows/privacy/delete-person.activities.ts',
  'workflows/privacy/export-person.activities.ts',
  'workflows/retention/retention.activities.ts',
  'workflows/webhooks/deliver-webhook.activities.ts',
];

/** Feature files still handed the root pool, moving to a TenantDb or the ControlDb (issue 14); the list only shrinks. */
const ROOT_POOL_NOT_YET_REMOVED: readonly string[] = [
  'api/server.ts',
  'intelligence/segments/compile-segment.ts',
  'modules/companies/company-import.service.ts',
  'modules/companies/company-records.ts',
  'modules/companies/email-companies.ts',
  'modules/companies/network-company-lookup.ts',
  'modules/credits/credit-grants.ts',
  'modules/credits/credit-ledger.ts',
  'modules/enrichment/answer-cache.ts',
  'modules/enrichment/automatic-enrichment.ts',
  'modules/enrichment/automatic-rule-facts.ts',
  'modules/enrichment/enrichment-jobs.ts',
  'modules/enrichment/enrichment-settings.ts',
  'modules/enrichment/enrichment.service.ts',
  'modules/enrichment/lead-fields.ts',
  'modules/enrichment/manual-fields.ts',
  'modules/enrichment/provider-catalog.ts',
  'modules/enrichment/providers/ip-organization.provider.ts',
  'modules/enrichment/providers/tenant-dataset.provider.ts',
  'modules/lead-changes/evaluation-inputs.reader.ts',
  'modules/lead-changes/lead-change-pipeline.ts',
  'modules/lead-changes/lead-evaluation.ts',
  'modules/leads/ingest/batch-state.ts',
  'modules/leads/ingest/batch-writer.ts',
  'modules/leads/ingest/event-store.ts',
  'modules/leads/ingest/identity-resolver.ts',
  'modules/leads/ingest/lead-merges.ts',
  'modules/leads/lead-loaders.ts',
  'modules/leads/lead-reads.ts',
  'modules/leads/lead.service.ts',
  'modules/privacy/consent-changes.ts',
  'modules/privacy/consent.service.ts',
  'modules/privacy/expired-data.ts',
  'modules/privacy/person-cache-keys.ts',
  'modules/privacy/person-export.ts',
  'modules/privacy/person-resolution.ts',
  'modules/privacy/privacy-requests.ts',
  'modules/privacy/privacy.service.ts',
  'modules/privacy/suppression-list.ts',
  'modules/segments/segment-records.ts',
  'modules/segments/segment-windows.ts',
  'modules/segments/segment.service.ts',
  'modules/tracking-settings/pixel-host-claims.ts',
  'modules/tracking-settings/tracking-settings.service.ts',
  'modules/tracking-settings/tracking-site.ts',
  'modules/webhooks/stranded-deliveries.ts',
  'modules/webhooks/webhook-registry.ts',
  'platform/network/peeringdb-networks.ts',
  'platform/network/rdap-cache.ts',
  'tenants/api-keys/api-key-store.ts',
  'tenants/api-keys/api-key.service.ts',
  'tenants/api-keys/key-resolver.ts',
  'tenants/audit/audit-log.ts',
  'tenants/offboarding/tenant-offboarding.ts',
  'tenants/provisioning/tenant-provisioning.ts',
  'tenants/tenant-status.ts',
  'tenants/usage/dropped-events.ts',
  'workflows/enrichment/enrich-batch.activities.ts',
  'workflows/enrichment/enrich-lead.activities.ts',
  'workflows/enrichment/enrichment-runtime.ts',
  'workflows/migrate-tenants/migrate-tenants.activities.ts',
  'workflows/offboarding/offboard-tenant.activities.ts',
  'workflows/privacy/delete-person.activities.ts',
  'workflows/privacy/export-person.activities.ts',
  'workflows/retention/retention.activities.ts',
  'workflows/segments/segment-windows.activities.ts',
  'workflows/webhooks/deliver-webhook.activities.ts',
  'workflows/worker.ts',
];

describe('the data layer', () => {
  it('holds every SQL statement: repositories, schema/ and platform/postgres/', () => {
    const holders = files.filter((file) => !isDataLayer(file.path) && file.literals.some((text) => SQL_STATEMENT.some((pattern) => pattern.test(text))));
    expect(holders.map((file) => file.path).filter((path) => !SQL_NOT_YET_IN_A_REPOSITORY.includes(path))).toEqual([]);
    expect(SQL_NOT_YET_IN_A_REPOSITORY.filter((path) => !holders.some((file) => file.path === path))).toEqual([]);
  });

  it('is the only code that holds the root pool or builds a query client: feature code gets a TenantDb or the ControlDb', () => {
    const pending = (file: string) => ROOT_POOL_NOT_YET_REMOVED.includes(file);
    const rootPool = ['platform/postgres/database.ts', 'platform/postgres/tenant-sql.ts', 'pg', 'kysely'];
    const mayHoldRoot = (file: string) =>
      isDataLayer(file) || topFolder(file) === 'composition' || file === 'tenants/tenant-db.ts' || file.startsWith('platform/embedded/');
    expect(
      offending((file) => (mayHoldRoot(file.path) || pending(file.path) ? [] : file.imports.filter((i) => rootPool.includes(i.target) && !(i.target === 'kysely' && i.typeOnly)).map((i) => i.target))),
    ).toEqual([]);
    const holders = files.filter((file) => file.imports.some((i) => rootPool.includes(i.target) && !(i.target === 'kysely' && i.typeOnly)));
    expect(ROOT_POOL_NOT_YET_REMOVED.filter((path) => !holders.some((file) => file.path === path))).toEqual([]);
  });
});

/** Which module's repositories alone write each table. */
const TABLE_OWNERS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(['events', 'identities', 'identity_conflicts', 'leads', 'merges', 'sessions'].map((t) => [t, 'modules/leads/'])),
  companies: 'modules/companies/',
  ...Object.fromEntries(
    ['enrichment_calls', 'enrichment_jobs', 'enrichment_settings', 'enrichment_vendors', 'lead_fields', 'company_answers'].map((t) => [t, 'modules/enrichment/']),
  ),
  scoring_models: 'modules/scoring/',
  segments: 'modules/segments/',
  segment_memberships: 'modules/segments/',
  webhooks: 'modules/webhooks/',
  webhook_deliveries: 'modules/webhooks/',
  ...Object.fromEntries(['consent_changes', 'deletion_requests', 'export_requests', 'suppressions', 'suppressed_events'].map((t) => [t, 'modules/privacy/'])),
  settings: 'modules/tracking-settings/',
  pixel_hosts: 'modules/tracking-settings/',
  ...Object.fromEntries(['tenants', 'api_keys', 'audit_log', 'tenant_deletions', 'bot_events'].map((t) => [t, 'tenants/'])),
  credit_balances: 'modules/credits/',
  credit_ledger: 'modules/credits/',
  ...Object.fromEntries(['rdap_networks', 'peeringdb_networks', 'peeringdb_sync_state'].map((t) => [t, 'platform/network/'])),
};

/**
 * Erasure reaches every table a person is in, in one transaction, by design
 * (and issue 16's receipt counts it in one place): its repository may delete
 * from any tenant table. Nothing else writes another module's table.
 */
const WRITES_ANY_TABLE = ['modules/privacy/erasure.repository.ts'];

const RAW_WRITE = /\b(?:insert\s+into|update|delete\s+from)\s+(?:\{t\}|control|"?t_\w+"?)\.(\w+)/gi;

/** `file: table` pairs of writes outside the owner, moving to the owner's repository (issue 14); the list only shrinks. */
const WRITES_NOT_YET_WITH_THEIR_OWNER: readonly string[] = [
  'modules/companies/email-companies.ts: leads',
  'modules/enrichment/manual-fields.ts: leads',
  'modules/lead-changes/lead-evaluation.ts: leads',
  'modules/lead-changes/lead-evaluation.ts: segment_memberships',
  'modules/privacy/expired-data.ts: events',
  'modules/privacy/expired-data.ts: sessions',
  'tenants/provisioning/tenant-provisioning.ts: credit_balances',
  'tenants/provisioning/tenant-provisioning.ts: pixel_hosts',
  'workflows/enrichment/enrich-lead.activities.ts: enrichment_calls',
  'workflows/enrichment/enrich-lead.activities.ts: enrichment_jobs',
  'workflows/enrichment/enrich-lead.activities.ts: leads',
  'workflows/offboarding/offboard-tenant.activities.ts: api_keys',
  'workflows/offboarding/offboard-tenant.activities.ts: pixel_hosts',
  'workflows/offboarding/offboard-tenant.activities.ts: tenant_deletions',
  'workflows/offboarding/offboard-tenant.activities.ts: tenants',
  'workflows/privacy/delete-person.activities.ts: consent_changes',
  'workflows/privacy/delete-person.activities.ts: deletion_requests',
  'workflows/privacy/delete-person.activities.ts: enrichment_calls',
  'workflows/privacy/delete-person.activities.ts: enrichment_jobs',
  'workflows/privacy/delete-person.activities.ts: events',
  'workflows/privacy/delete-person.activities.ts: export_requests',
  'workflows/privacy/delete-person.activities.ts: identities',
  'workflows/privacy/delete-person.activities.ts: identity_conflicts',
  'workflows/privacy/delete-person.activities.ts: lead_fields',
  'workflows/privacy/delete-person.activities.ts: leads',
  'workflows/privacy/delete-person.activities.ts: merges',
  'workflows/privacy/delete-person.activities.ts: segment_memberships',
  'workflows/privacy/delete-person.activities.ts: sessions',
  'workflows/privacy/delete-person.activities.ts: suppressions',
  'workflows/privacy/delete-person.activities.ts: webhook_deliveries',
  'workflows/privacy/export-person.activities.ts: export_requests',
  'workflows/webhooks/deliver-webhook.activities.ts: webhook_deliveries',
  'workflows/webhooks/deliver-webhook.activities.ts: webhooks',
];

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
    expect(strays.filter((stray) => !WRITES_NOT_YET_WITH_THEIR_OWNER.includes(stray))).toEqual([]);
    expect(WRITES_NOT_YET_WITH_THEIR_OWNER.filter((stray) => !strays.includes(stray))).toEqual([]);
  });
});
