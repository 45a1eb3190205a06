/**
 * Provider answers kept so the same question is not paid for twice: every
 * answer in Redis (or the in-process adapter) for the tenant's short term,
 * and answers about a company domain in the tenant's PostgreSQL schema for
 * the long term. Failures are never kept: they say nothing about the subject.
 */
import { createHash } from 'node:crypto';
import type { HashKeys } from '../../tenants/secrets/hash-keys.js';
import type { ProviderAnswer } from '../../intelligence/enrichment/enrichment-types.js';
import type { Cache } from '../../platform/coordination/coordination.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { companyAnswer, upsertCompanyAnswer } from './enrichment.repository.js';

export interface CachePolicy {
  readonly answerCacheHours: number;
  readonly companyCacheDays: number;
}

export interface CachedQuestion {
  readonly tenantId: string;
  readonly providerId: string;
  /** From `subjectKey`. */
  readonly key: string;
  /** Set when the answer is about a company domain alone: it is then also kept long term. */
  readonly domain?: string;
}

export interface AnswerCache {
  read(db: TenantDb, question: CachedQuestion, now: Date): Promise<ProviderAnswer | undefined>;
  write(db: TenantDb, question: CachedQuestion, answer: ProviderAnswer, policy: CachePolicy, now: Date): Promise<void>;
}

const HOUR_MS = 3_600_000;

/**
 * Keyed by a secret derived for the tenant, so a person's email never becomes
 * a Redis key name, and a dump of the key names cannot be matched against
 * guessed addresses.
 */
export function answerCacheKey(keys: HashKeys, question: Pick<CachedQuestion, 'tenantId' | 'providerId' | 'key'>): string {
  const digest = keys.hash('answer-cache', question.tenantId, `${question.providerId}\n${question.key}`);
  return `enrich:answer:${question.tenantId}:${question.providerId}:v2:${digest}`;
}

/**
 * The name entries had before they were keyed (an unsalted SHA-256): never
 * written any more, only deleted with a person, until the last of them expires
 * (they lived answerCacheHours).
 */
export function legacyAnswerCacheKey(question: Pick<CachedQuestion, 'tenantId' | 'providerId' | 'key'>): string {
  const digest = createHash('sha256').update(question.key).digest('base64url');
  return `enrich:answer:${question.tenantId}:${question.providerId}:${digest}`;
}

export function createAnswerCache(cache: Cache, keys: HashKeys): AnswerCache {
  return {
    async read(db, question, now) {
      const short = await cache.get(answerCacheKey(keys, question));
      if (short !== undefined) return JSON.parse(short) as ProviderAnswer;
      if (question.domain === undefined) return undefined;
      const answer = await companyAnswer(db, question.domain, question.providerId, now);
      // Written only by `write` below, from a ProviderAnswer.
      return answer === undefined ? undefined : (answer as unknown as ProviderAnswer);
    },

    async write(db, question, answer, policy, now) {
      if (answer.kind === 'failure') return;
      await cache.set(answerCacheKey(keys, question), JSON.stringify(answer), policy.answerCacheHours * HOUR_MS);
      if (question.domain === undefined) return;
      await upsertCompanyAnswer(db, {
        domain: question.domain,
        provider: question.providerId,
        answerJson: JSON.stringify(answer),
        fetchedAt: now,
        days: policy.companyCacheDays,
      });
    },
  };
}
