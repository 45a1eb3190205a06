import { describe, expect, it } from 'vitest';
import type { LeadChange } from '../../../modules/lead-changes/lead-evaluation.js';
import { createLeadChangePipeline } from '../../../modules/lead-changes/lead-change-pipeline.js';
import { createLogger } from '../../../platform/logging/logger.js';
import type { TenantDb } from '../../../tenants/tenant-db.js';

// Never queried: every pipeline here is given its evaluator.
const tenantNamed = (tenantId: string) => ({ tenantId, schema: `t_${tenantId}` }) as TenantDb;
const tenant = tenantNamed('tn_a');

/** An evaluator that records each call's leads and holds it until released, so the test decides what is in flight. */
function heldEvaluator() {
  const calls: Array<{ leadIds: string[]; release: () => void }> = [];
  const evaluator = async (_tenant: TenantDb, leadIds: readonly string[]): Promise<LeadChange[]> => {
    await new Promise<void>((release) => calls.push({ leadIds: [...leadIds], release }));
    return [];
  };
  return { calls, evaluator };
}

const until = async (condition: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
};

function pipelineWith(evaluator: (tenant: TenantDb, leadIds: readonly string[]) => Promise<LeadChange[]>, errors: string[] = [], chunkLeads = 250) {
  return createLeadChangePipeline({
    listeners: [],
    log: createLogger({ level: 'error', write: (line) => errors.push(line) }),
    now: () => new Date('2026-12-01T00:00:00Z'),
    gatherMs: 5,
    chunkLeads,
    evaluator,
  });
}

describe('lead-change pipeline lanes', () => {
  it('evaluates a visitor’s own call beside a bulk evaluation still in flight, not after it', async () => {
    const { calls, evaluator } = heldEvaluator();
    const pipeline = pipelineWith(evaluator);
    pipeline.touched(tenant, ['ld_b1', 'ld_b2']);
    await until(() => calls.length === 1);
    pipeline.touched(tenant, ['ld_b3']);
    pipeline.touched(tenant, ['ld_visitor'], { urgent: true });
    await until(() => calls.length === 2);
    // The urgent lead went ahead; the second bulk touch waits for the first bulk evaluation.
    expect(calls.map((c) => c.leadIds)).toEqual([['ld_b1', 'ld_b2'], ['ld_visitor']]);
    calls[1]?.release();
    calls[0]?.release();
    await until(() => calls.length === 3);
    expect(calls[2]?.leadIds).toEqual(['ld_b3']);
    calls[2]?.release();
    await pipeline.drain();
  });

  it('never has one lead in two evaluations at once: an urgent touch of a lead in flight waits for it', async () => {
    const { calls, evaluator } = heldEvaluator();
    const pipeline = pipelineWith(evaluator);
    pipeline.touched(tenant, ['ld_shared', 'ld_other']);
    await until(() => calls.length === 1);
    pipeline.touched(tenant, ['ld_shared', 'ld_fresh'], { urgent: true });
    await until(() => calls.length === 2);
    expect(calls[1]?.leadIds).toEqual(['ld_fresh']);
    calls[1]?.release();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(calls).toHaveLength(2);
    calls[0]?.release();
    await until(() => calls.length === 3);
    expect(calls[2]?.leadIds).toEqual(['ld_shared']);
    calls[2]?.release();
    await pipeline.drain();
  });

  it('evaluates bulk leads a chunk at a time, and an urgent touch takes a lead still waiting for its chunk at once', async () => {
    const { calls, evaluator } = heldEvaluator();
    const pipeline = pipelineWith(evaluator, [], 2);
    pipeline.touched(tenant, ['ld_a', 'ld_b', 'ld_c', 'ld_d', 'ld_e']);
    await until(() => calls.length === 1);
    pipeline.touched(tenant, ['ld_d'], { urgent: true });
    await until(() => calls.length === 2);
    expect(calls.map((c) => c.leadIds)).toEqual([['ld_a', 'ld_b'], ['ld_d']]);
    calls[1]?.release();
    calls[0]?.release();
    await until(() => calls.length === 3);
    calls[2]?.release();
    await pipeline.drain();
    expect(calls.map((c) => c.leadIds)).toEqual([['ld_a', 'ld_b'], ['ld_d'], ['ld_c', 'ld_e']]);
  });

  it('folds a bulk touch of a lead already waiting in the urgent lane into that lane, and an urgent touch out of bulk', async () => {
    const { calls, evaluator } = heldEvaluator();
    const pipeline = pipelineWith(evaluator);
    pipeline.touched(tenant, ['ld_first']);
    pipeline.touched(tenant, ['ld_first'], { urgent: true });
    pipeline.touched(tenant, ['ld_first', 'ld_second']);
    await until(() => calls.length === 2);
    const evaluated = calls.map((c) => c.leadIds).sort((x, y) => x.length - y.length);
    expect(evaluated).toEqual([['ld_first'], ['ld_second']]);
    for (const call of calls) call.release();
    await pipeline.drain();
    expect(calls).toHaveLength(2);
  });

  it('keeps tenants apart and drains only when both lanes of every tenant are done', async () => {
    const { calls, evaluator } = heldEvaluator();
    const pipeline = pipelineWith(evaluator);
    pipeline.touched(tenant, ['ld_a']);
    pipeline.touched(tenantNamed('tn_b'), ['ld_a'], { urgent: true });
    await until(() => calls.length === 2);
    let drained = false;
    const draining = pipeline.drain().then(() => (drained = true));
    calls[0]?.release();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(drained).toBe(false);
    calls[1]?.release();
    await draining;
    expect(drained).toBe(true);
  });

  it('logs a failed evaluation and goes on with the next', async () => {
    const errors: string[] = [];
    let call = 0;
    const seen: string[][] = [];
    const pipeline = pipelineWith(async (_tenant, leadIds) => {
      seen.push([...leadIds]);
      call += 1;
      if (call === 1) throw new Error('database went away');
      return [];
    }, errors);
    pipeline.touched(tenant, ['ld_1']);
    await until(() => errors.length === 1);
    pipeline.touched(tenant, ['ld_2']);
    await pipeline.drain();
    expect(seen).toEqual([['ld_1'], ['ld_2']]);
    expect(errors[0]).toContain('leads not evaluated');
  });
});
