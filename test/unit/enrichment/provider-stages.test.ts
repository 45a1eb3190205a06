import { describe, expect, it } from 'vitest';
import { providerStages } from '../../../modules/enrichment/enrichment-plan.js';

const provider = (id: string, supplies: string[]) => ({ id, supplies });
const ids = (stages: ReadonlyArray<ReadonlyArray<{ id: string }>>) => stages.map((stage) => stage.map((p) => p.id));

describe('providerStages', () => {
  it("puts a business-email lead's default providers in two stages: the homepage's company.name waits for the dataset's", () => {
    const stages = providerStages([
      provider('tenant-dataset', ['company.name', 'company.industry', 'company.employees', 'company.revenue', 'company.country']),
      provider('email-verification', ['email.syntaxValid', 'email.mxFound']),
      provider('company-homepage', ['company.name', 'company.description', 'company.techStack']),
      provider('dns-records', ['company.mailProvider', 'company.mailGateway', 'company.saas', 'company.dmarcPolicy']),
    ]);
    expect(ids(stages)).toEqual([['tenant-dataset', 'email-verification'], ['company-homepage', 'dns-records']]);
  });

  it('starts a stage at every provider that supplies a field of its stage, keeping the waterfall order', () => {
    const stages = providerStages([provider('a', ['x']), provider('b', ['x', 'y']), provider('c', ['z']), provider('d', ['y']), provider('e', [])]);
    expect(ids(stages)).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });

  it('keeps every provider once and makes no empty stage', () => {
    expect(providerStages([])).toEqual([]);
    const many = Array.from({ length: 7 }, (_, i) => provider(`p${i}`, [i % 2 === 0 ? 'same' : `own${i}`]));
    const stages = providerStages(many);
    expect(stages.flat().map((p) => p.id)).toEqual(many.map((p) => p.id));
    expect(stages.every((stage) => stage.length > 0)).toBe(true);
  });
});
