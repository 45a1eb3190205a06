/** The scoring model for the API: validated with the path of a bad node; a new version is rescored by a workflow. */
import { parseScoringModel } from '../../intelligence/scoring/scoring-model.js';
import { failure, success, type Outcome } from '../../platform/outcome.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import type { RescoreStarter } from './rescoring.js';
import { currentScoringModel, saveScoringModel, type ScoringModelVersion } from './scoring-models.js';

export interface ScoringService {
  model(tenant: TenantDb): Promise<ScoringModelVersion>;
  /** Writes a new version and starts rescoring every lead; the old model stays in force when the new one is invalid. */
  update(tenant: TenantDb, input: unknown): Promise<Outcome<ScoringModelVersion>>;
}

export function createScoringService(deps: { rescoring: RescoreStarter }): ScoringService {
  return {
    model: (tenant) => currentScoringModel(tenant),

    async update(tenant, input) {
      const parsed = parseScoringModel(input, ['input']);
      if (!parsed.ok) return failure(parsed.problem);
      const saved = await saveScoringModel(tenant, parsed.value);
      await deps.rescoring.start(tenant, saved.version);
      return success(saved);
    },
  };
}
