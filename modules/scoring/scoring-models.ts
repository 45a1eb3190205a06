/** The tenant's scoring model: every version kept, the newest in force, the default until the tenant writes one. */
import { DEFAULT_SCORING_MODEL, parseScoringModel, type ScoringModel } from '../../intelligence/scoring/scoring-model.js';
import { problemTextWithPath } from '../../platform/outcome.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { insertScoringModel, newestScoringModelRow } from './scoring.repository.js';

export interface ScoringModelVersion {
  /** 0: the default, never written. */
  readonly version: number;
  readonly model: ScoringModel;
  readonly createdAt: Date | null;
}

/** A stored version as a statement or a JSON read returns it. */
export interface StoredModel {
  readonly version: number;
  readonly rules: unknown;
  readonly created_at: Date | string;
}

/** The model in force given the newest stored row (none: the default). */
export function scoringModelOf(schema: string, row: StoredModel | undefined | null): ScoringModelVersion {
  if (row === undefined || row === null) return { version: 0, model: DEFAULT_SCORING_MODEL, createdAt: null };
  const parsed = parseScoringModel({ rules: row.rules });
  // Stored models were validated when written; one that no longer parses is a bug to see, not a reason to stop scoring.
  if (!parsed.ok) throw new Error(`scoring model version ${row.version} of ${schema} no longer parses: ${problemTextWithPath(parsed.problem)}`);
  return { version: row.version, model: parsed.value, createdAt: new Date(row.created_at) };
}

export async function currentScoringModel(db: TenantDb): Promise<ScoringModelVersion> {
  return scoringModelOf(db.schema, await newestScoringModelRow(db));
}

export async function saveScoringModel(db: TenantDb, model: ScoringModel): Promise<ScoringModelVersion> {
  const row = await insertScoringModel(db, model.rules);
  return { version: row.version, model, createdAt: row.created_at };
}
