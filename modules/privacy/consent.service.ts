import { z } from 'zod';
import { failure, invalidInput, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { Database } from '../../platform/postgres/database.js';
import { tenantSql, type TenantSql } from '../../platform/postgres/tenant-sql.js';
import { parseInput } from '../../platform/validation/parse-input.js';
import { consentChangesOfLead, insertConsentChange, type ConsentChangeRecord } from './consent-changes.js';
import type { HashKeys } from '../../tenants/secrets/hash-keys.js';
import { legacySuppressionHash, suppressionHash, type SuppressedKind } from './suppression-hash.js';

export interface ConsentTenant {
  readonly tenantId: string;
  readonly schema: string;
}

export interface ConsentService {
  /** Records a decision the tenant collected itself (a form, a call centre); the person is found by any identifier. */
  record(tenant: ConsentTenant, input: unknown): Promise<Outcome<ConsentChangeRecord>>;
  history(tenant: ConsentTenant, leadId: string): Promise<Outcome<ConsentChangeRecord[]>>;
}

const HISTORY_LIMIT = 500;
const identifier = z.string().trim().min(1).max(256);

const consentInput = z
  .object({
    anonymousId: identifier.optional(),
    userId: identifier.optional(),
    email: z.string().trim().toLowerCase().email().optional(),
    granted: z.boolean(),
    categories: z.record(z.string().max(100), z.boolean()).optional(),
    source: z.string().trim().min(1).max(100),
  })
  .refine((v) => v.anonymousId !== undefined || v.userId !== undefined || v.email !== undefined, {
    message: 'name the person by anonymousId, userId or email',
    path: ['anonymousId'],
  });

type ConsentInput = z.infer<typeof consentInput>;

/** The lead an identifier belongs to, the strongest first (as stitching ranks them); none is created. */
async function leadOf(sql: TenantSql, input: ConsentInput): Promise<string | null> {
  const [row] = await sql.query<{ id: string }>(
    `select id from (
       select l.id, 1 as rank from {t}.leads l where $1::text is not null and l.user_id = $1 and l.merged_into is null
       union all select l.id, 2 from {t}.leads l where $2::text is not null and lower(l.email) = $2 and l.merged_into is null
       union all select i.lead_id, 3 from {t}.identities i where $3::text is not null and i.anonymous_id = $3
     ) found order by rank limit 1`,
    [input.userId ?? null, input.email ?? null, input.anonymousId ?? null],
  );
  return row?.id ?? null;
}

/** Under the tenant's key, and under the old one for rows recorded before it (see suppression-hash.ts). */
async function isSuppressed(sql: TenantSql, keys: HashKeys, tenantId: string, input: ConsentInput): Promise<boolean> {
  const named: Array<[SuppressedKind, string | undefined]> = [
    ['email', input.email],
    ['user_id', input.userId],
    ['anonymous_id', input.anonymousId],
  ];
  const hashes = named.flatMap(([kind, value]) =>
    value === undefined ? [] : [suppressionHash(keys, tenantId, kind, value), legacySuppressionHash(tenantId, kind, value)],
  );
  const [row] = await sql.query<{ any: boolean }>('select exists (select 1 from {t}.suppressions where hash = any($1)) as any', [hashes]);
  return row?.any === true;
}

export function createConsentService(deps: { db: Database; hashKeys: HashKeys; now: () => Date }): ConsentService {
  const sqlOf = (tenant: ConsentTenant) => tenantSql(deps.db, tenant.schema);

  return {
    async record(tenant, raw) {
      const parsed = parseInput(consentInput, raw, ['input']);
      if (!parsed.ok) return parsed;
      const input = parsed.value;
      const sql = sqlOf(tenant);
      // An erased person stays erased: not even their anonymous id comes back through a consent record.
      if (await isSuppressed(sql, deps.hashKeys, tenant.tenantId, input)) return failure(invalidInput(['input'], 'this person was erased; nothing about them is recorded'));
      return success(
        await insertConsentChange(sql, {
          leadId: await leadOf(sql, input),
          anonymousId: input.anonymousId ?? null,
          granted: input.granted,
          categories: input.categories ?? {},
          source: input.source,
          at: deps.now(),
        }),
      );
    },

    async history(tenant, leadId) {
      const sql = sqlOf(tenant);
      const [lead] = await sql.query<{ id: string }>('select id from {t}.leads where id = $1', [leadId]);
      if (lead === undefined) return failure(notFound('Lead'));
      return success(await consentChangesOfLead(sql, leadId, HISTORY_LIMIT));
    },
  };
}
