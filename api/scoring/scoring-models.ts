/** The tenant's scoring model: every version kept, the newest in force, the default until the tenant writes one. */
import { DEFAULT_SCORING_MODEL, parseScoringModel, type ScoringModel } from '../../intelligence/scoring/scoring-model.js';
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';

export interface ScoringModelVersion {
  /** 0: the default, never written. */
  readonly version: number;
  readonly model: ScoringModel;
  readonly createdAt: Date | null;
}

export async function currentScoringModel(sql: TenantSql): Promise<ScoringModelVersion> {
  const rows = await sql.query<{ version: number; rules: unknown; createdAt: Date }>(
    'select version, rules, created_at as "createdAt" from {t}.scoring_models order by version desc limit 1',
  );
  const row = rows[0];
  if (row === undefined) return { version: 0, model: DEFAULT_SCORING_MODEL, createdAt: null };
  const parsed = parseScoringModel({ rules: row.rules });
  // Stored models were validated when written; one that no longer parses is a bug to see, not a reason to stop scoring.
  if (!parsed.ok) throw new Error(`scoring model version ${row.version} of ${sql.schema} no longer parses: ${parsed.path.join('.')}: ${parsed.message}`);
  return { version: row.version, model: parsed.model, createdAt: row.createdAt };
}

/** Writes a new version (the next number); concurrent writers get distinct versions or one fails on the key and retries. */
export async function saveScoringModel(sql: TenantSql, model: ScoringModel): Promise<ScoringModelVersion> {
  const rows = await sql.query<{ version: number; createdAt: Date }>(
    `insert into {t}.scoring_models (version, rules)
     select coalesce(max(version), 0) + 1, $1::jsonb from {t}.scoring_models
     returning version, created_at as "createdAt"`,
    [JSON.stringify(model.rules)],
  );
  const row = rows[0];
  if (row === undefined) throw new Error('the scoring model was not written');
  return { version: row.version, model, createdAt: row.createdAt };
}
