/**
 * A lead's facts as the tenant's automatic enrichment rule sees them: what
 * the evaluation reads (the lead, its company, the events the rule and the
 * scoring model look at), scored by the model in force. Scoring here, rather
 * than reading the stored score, makes the decision independent of whether
 * the pipeline has written this write's score yet: both compute the same.
 */
import { ruleEventNeeds, type AutomaticRule } from '../../intelligence/enrichment/automatic-enrichment-policy.js';
import { MAX_RULE_WINDOW_DAYS, type LeadFacts } from '../../intelligence/leads/lead-facts.js';
import { eventNeedsOf } from '../../intelligence/scoring/scoring-model.js';
import { scoreLead } from '../../intelligence/scoring/score-lead.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { readEvaluationInputs, readLeadEvents, type EventFilter } from '../lead-changes/evaluation-inputs.reader.js';

const DAY_MS = 86_400_000;

const filterOf = (needs: { names: readonly string[]; lookbackMs: number }, now: Date): EventFilter => ({
  names: [...new Set(needs.names)].sort(),
  since: new Date(now.getTime() - Math.min(needs.lookbackMs, MAX_RULE_WINDOW_DAYS * DAY_MS)),
});

/** The live leads among `leadIds`, with their score now; none read without a rule to apply. */
export async function automaticRuleFacts(db: TenantDb, leadIds: readonly string[], rule: AutomaticRule, now: Date): Promise<Map<string, LeadFacts>> {
  if (rule.kind !== 'rule' || leadIds.length === 0) return new Map();
  const ruleNeeds = ruleEventNeeds(rule);
  const guess = filterOf(ruleNeeds, now);
  const inputs = await readEvaluationInputs(db, leadIds, guess);
  const model = inputs.model.model;
  const modelNeeds = eventNeedsOf(model);
  const needed = filterOf({ names: [...ruleNeeds.names, ...modelNeeds.names], lookbackMs: Math.max(ruleNeeds.lookbackMs, modelNeeds.lookbackMs) }, now);
  let leads = [...inputs.leads.values()];
  if (needed.names.length !== guess.names.length || needed.since.getTime() !== guess.since.getTime()) {
    const events = await readLeadEvents(db, leads.map((lead) => lead.id), needed);
    leads = leads.map((lead) => ({ ...lead, events: events.get(lead.id) ?? [] }));
  }
  return new Map(leads.map((lead) => [lead.id, { ...lead, score: scoreLead(model, lead, now).score }]));
}
