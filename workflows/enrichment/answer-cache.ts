/**
 * Provider answers kept so the same question is not paid for twice: every
 * answer in Redis (or the in-process adapter) for the tenant's short term,
 * and answers about a company domain in the tenant's PostgreSQL schema for
 * the long term. Failures are never kept: they say nothing about the subject.
 */
import { createHash } from 'node:crypto';
import type { ProviderAnswer } from '../../intelligence/enrichment/enrichment-types.js';
import type { Cache } from '../../platform/coordination/coordination.js';
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';

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
  read(sql: TenantSql, question: CachedQuestion, now: Date): Promise<ProviderAnswer | undefined>;
  write(sql: TenantSql, question: CachedQuestion, answer: ProviderAnswer, policy: CachePolicy, now: Date): Promise<void>;
}

const HOUR_MS = 3_600_000;

/** Hashed, so a person's email never becomes a Redis key name. */
export function answerCacheKey(question: Pick<CachedQuestion, 'tenantId' | 'providerId' | 'key'>): string {
  const digest = createHash('sha256').update(question.key).digest('base64url');
  return `enrich:answer:${question.tenantId}:${question.providerId}:${digest}`;
}

export function createAnswerCache(cache: Cache): AnswerCache {
  return {
    async read(sql, question, now) {
      const short = await cache.get(answerCacheKey(question));
      if (short !== undefined) return JSON.parse(short) as ProviderAnswer;
      if (question.domain === undefined) return undefined;
      const rows = await sql.query<{ answer: ProviderAnswer }>(
        'select answer from {t}.company_answers where domain = $1 and provider = $2 and expires_at > $3',
        [question.domain, question.providerId, now],
      );
      return rows[0]?.answer;
    },

    async write(sql, question, answer, policy, now) {
      if (answer.kind === 'failure') return;
      await cache.set(answerCacheKey(question), JSON.stringify(answer), policy.answerCacheHours * HOUR_MS);
      if (question.domain === undefined) return;
      await sql.query(
        `insert into {t}.company_answers (domain, provider, answer, fetched_at, expires_at)
         values ($1, $2, $3, $4, $4::timestamptz + make_interval(days => $5))
         on conflict (domain, provider) do update set answer = excluded.answer, fetched_at = excluded.fetched_at, expires_at = excluded.expires_at`,
        [question.domain, question.providerId, JSON.stringify(answer), now, policy.companyCacheDays],
      );
    },
  };
}
