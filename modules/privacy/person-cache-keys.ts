/**
 * The short-term answer-cache entries about a person: one per provider whose
 * answers are keyed by something of the person (their email, or their name:
 * email verification, and the tenant's vendors that accept either), for every
 * subject enrichment could have asked with. Entries keyed by a company domain
 * or a network address alone are about the company or the network, not the
 * person, and stay (their answers name no one).
 */
import type { EnrichmentSubject } from '../../intelligence/enrichment/enrichment-types.js';
import { SUBJECT_FIELDS, type SubjectField } from '../../intelligence/enrichment/vendor-config.js';
import type { HashKeys } from '../../tenants/secrets/hash-keys.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { answerCacheKey, legacyAnswerCacheKey } from '../enrichment/answer-cache.js';
import { BUILT_IN_PROVIDERS, subjectKey } from '../enrichment/provider-catalog.js';
import { vendorAccepts } from './privacy.repository.js';

interface KeyedProvider {
  readonly providerId: string;
  readonly keyedBy: readonly SubjectField[];
}

const isSubjectField = (value: unknown): value is SubjectField => (SUBJECT_FIELDS as readonly unknown[]).includes(value);

/** The subject fields that are the person's own. */
const PERSONAL: readonly SubjectField[] = ['email', 'name'];

/** Stored vendor configurations were validated when saved; only `accepts` matters here, read as it is. */
async function personKeyedProviders(db: TenantDb): Promise<KeyedProvider[]> {
  const builtIn = Object.entries(BUILT_IN_PROVIDERS).map(([providerId, defaults]) => ({ providerId, keyedBy: defaults.keyedBy }));
  const vendors = await vendorAccepts(db);
  const configured = vendors.map((row) => ({
    providerId: `vendor:${row.id}`,
    keyedBy: Array.isArray(row.accepts) ? row.accepts.filter(isSubjectField) : [],
  }));
  return [...builtIn, ...configured].filter((provider) => provider.keyedBy.some((field) => PERSONAL.includes(field)));
}

/** Today's names, and the unkeyed names entries had before, which may not have expired yet. */
export async function personAnswerCacheKeys(db: TenantDb, hashKeys: HashKeys, subjects: readonly EnrichmentSubject[]): Promise<string[]> {
  const tenantId = db.tenantId;
  const providers = await personKeyedProviders(db);
  const keys = providers.flatMap((provider) =>
    subjects.flatMap((subject) => {
      const key = subjectKey(provider, subject);
      if (key === undefined) return [];
      const question = { tenantId, providerId: provider.providerId, key };
      return [answerCacheKey(hashKeys, question), legacyAnswerCacheKey(question)];
    }),
  );
  return [...new Set(keys)];
}
