import { z } from 'zod';
import { failure, invalidInput, notFound, success, type Outcome } from '../../platform/outcome.js';
import { parseInput } from '../../platform/validation/parse-input.js';
import { consentChangesOfLead, insertConsentChange, type ConsentChangeRecord } from './consent-changes.js';
import type { HashKeys } from '../../tenants/secrets/hash-keys.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { anySuppressed, leadExists, leadOfIdentifiers } from './privacy.repository.js';
import { legacySuppressionHash, suppressionHash, type SuppressedKind } from './suppression-hash.js';

export interface ConsentService {
  /** Records a decision the tenant collected itself (a form, a call centre); the person is found by any identifier. */
  record(tenant: TenantDb, input: unknown): Promise<Outcome<ConsentChangeRecord>>;
  history(tenant: TenantDb, leadId: string): Promise<Outcome<ConsentChangeRecord[]>>;
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
async function leadOf(db: TenantDb, input: ConsentInput): Promise<string | null> {
  return leadOfIdentifiers(db, { userId: input.userId ?? null, email: input.email ?? null, anonymousId: input.anonymousId ?? null });
}

/** Under the tenant's key, and under the old one for rows recorded before it (see suppression-hash.ts). */
async function isSuppressed(db: TenantDb, keys: HashKeys, input: ConsentInput): Promise<boolean> {
  const named: Array<[SuppressedKind, string | undefined]> = [
    ['email', input.email],
    ['user_id', input.userId],
    ['anonymous_id', input.anonymousId],
  ];
  const hashes = named.flatMap(([kind, value]) =>
    value === undefined ? [] : [suppressionHash(keys, db.tenantId, kind, value), legacySuppressionHash(db.tenantId, kind, value)],
  );
  return anySuppressed(db, hashes);
}

export function createConsentService(deps: { hashKeys: HashKeys; now: () => Date }): ConsentService {
  return {
    async record(tenant, raw) {
      const parsed = parseInput(consentInput, raw, ['input']);
      if (!parsed.ok) return parsed;
      const input = parsed.value;
      // An erased person stays erased: not even their anonymous id comes back through a consent record.
      if (await isSuppressed(tenant, deps.hashKeys, input)) return failure(invalidInput(['input'], 'this person was erased; nothing about them is recorded'));
      return success(
        await insertConsentChange(tenant, {
          leadId: await leadOf(tenant, input),
          anonymousId: input.anonymousId ?? null,
          granted: input.granted,
          categories: input.categories ?? {},
          source: input.source,
          at: deps.now(),
        }),
      );
    },

    async history(tenant, leadId) {
      if (!(await leadExists(tenant, leadId))) return failure(notFound('Lead'));
      return success(await consentChangesOfLead(tenant, leadId, HISTORY_LIMIT));
    },
  };
}
