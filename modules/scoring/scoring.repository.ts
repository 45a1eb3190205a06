/** The scoring module's table, `scoring_models`: every version kept, the newest in force. */
import { sql } from 'kysely';
import type { TenantDb } from '../../tenants/tenant-db.js';

export async function newestScoringModelRow(db: TenantDb) {
  return db.kysely
    .selectFrom('scoring_models')
    .select(['version', 'rules', 'created_at'])
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export type StoredScoringModel = NonNullable<Awaited<ReturnType<typeof newestScoringModelRow>>>;

export async function newestScoringModelVersion(db: TenantDb): Promise<number> {
  const row = await db.kysely
    .selectFrom('scoring_models')
    .select((eb) => eb.fn.coalesce(eb.fn.max('version'), sql<number>`0`).as('version'))
    .executeTakeFirstOrThrow();
  return row.version;
}

/** The next version number in one statement; concurrent writers get distinct versions or one fails on the key and retries. */
export async function insertScoringModel(db: TenantDb, rules: unknown) {
  return db.kysely
    .insertInto('scoring_models')
    .columns(['version', 'rules'])
    .expression((eb) =>
      eb
        .selectFrom('scoring_models')
        .select([sql<number>`coalesce(max(version), 0) + 1`.as('version'), sql<string>`${JSON.stringify(rules)}::jsonb`.as('rules')]),
    )
    .returning(['version', 'created_at'])
    .executeTakeFirstOrThrow();
}

/**
 * The newest row as SQL that yields one JSON object (or null) shaped like
 * StoredScoringModel, for the evaluation read that fetches it with other
 * things in one statement.
 */
export const CURRENT_SCORING_MODEL_JSON =
  `(select json_build_object('version', version, 'rules', rules, 'created_at', created_at) from {t}.scoring_models order by version desc limit 1)`;
