/** The tenant's scoring model: every version kept, the newest in force, the default until the tenant writes one. */
import { DEFAULT_SCORING_MODEL, parseScoringModel, type ScoringModel } from '../../intelligence/scoring/scoring-model.js';
import { problemTextWithPath } from '../../platform/outcome.js';
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';

export interface ScoringModelVersion {
  /** 0: the default, never written. */
  readonly version: number;
  readonly model: ScoringModel;
  readonly createdAt: Date | null;
}

export interface ScoringModelRow {
  readonly version: number;
  readonly rules: unknown;
  readonly createdAt: Date;
}

/** The newest row as SQL that yields one JSON object (or null), for reads that fetch it along with other things. */
export const CURRENT_SCORING_MODEL_JSON =
  `(select json_build_object('version', version, 'rules', rules, 'createdAt', created_at) from {t}.scoring_models order by version desc limit 1)`;

/** The model in force given the newest stored row (none: the default). */
export function scoringModelOf(schema: string, row: ScoringModelRow | undefined | null): ScoringModelVersion {
  if (row === undefined || row === null) return { version: 0, model: DEFAULT_SCORING_MODEL, createdAt: null };
  const parsed = parseScoringModel({ rules: row.rules });
  // Stored models were validated when written; one that no longer parses is a bug to see, not a reason to stop scoring.
  if (!parsed.ok) {
    const { problem } = parsed;
    const why = problemTextWithPath(problem);
    throw new Error(`scoring model version ${row.version} of ${schema} no longer parses: ${why}`);
  }
  return { version: row.version, model: parsed.value, createdAt: new Date(row.createdAt) };
}

export async function currentScoringModel(sql: TenantSql): Promise<ScoringModelVersion> {
  const rows = await sql.query<{ version: number; rules: unknown; createdAt: Date }>(
    'select version, rules, created_at as "createdAt" from {t}.scoring_models order by version desc limit 1',
  );
  return scoringModelOf(sql.schema, rows[0]);
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
