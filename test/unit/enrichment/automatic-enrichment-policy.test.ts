import { describe, expect, it } from 'vitest';
import { decideAutomatic, notBusinessReason, type AutomaticCandidate } from '../../../intelligence/enrichment/automatic-enrichment-policy.js';

const policy = { businessOnly: true, dailyCreditCap: 10, perVisitorDaily: 2 };
const empty = { creditsHeld: 0, byVisitor: new Map<string, number>(), byLead: new Map<string, number>() };
const candidate = (leadId: string, email: string, anonymousId?: string, maxCredits = 3): AutomaticCandidate => ({ leadId, anonymousId, email, companyDomain: null, maxCredits });

describe('automatic enrichment policy', () => {
  it('tells business addresses from free-mail, disposable, role and malformed ones', () => {
    expect(notBusinessReason('ann@acme-widgets.com', null)).toBeUndefined();
    expect(notBusinessReason('ann@gmail.com', null)).toBe('a free-mail address');
    expect(notBusinessReason('ann@mailinator.com', null)).toBe('a disposable address');
    expect(notBusinessReason('sales@acme-widgets.com', null)).toBe('a role address, not a person');
    expect(notBusinessReason('not an address', null)).toBe('the email address is not valid');
    expect(notBusinessReason(null, 'acme-widgets.com')).toBeUndefined();
    expect(notBusinessReason(null, 'yahoo.com')).toBe('the company domain is a mail provider');
  });

  it('admits until the next job could pass the day cap, counting what the day already holds', () => {
    const decisions = decideAutomatic(policy, { ...empty, creditsHeld: 2 }, [candidate('l1', 'a@x-corp.com'), candidate('l2', 'b@y-corp.com'), candidate('l3', 'c@z-corp.com')]);
    expect(decisions.map((d) => d.kind)).toEqual(['admit', 'admit', 'skip']);
    expect(decisions[2]).toMatchObject({ reason: expect.stringContaining('AUTO_ENRICH_DAILY_CAP') });
  });

  it('skips non-business addresses before they hold any of the cap', () => {
    const decisions = decideAutomatic(policy, empty, [candidate('l1', 'a@gmail.com', undefined, 9), candidate('l2', 'b@y-corp.com', undefined, 9)]);
    expect(decisions).toEqual([
      { leadId: 'l1', kind: 'skip', reason: 'AUTO_ENRICH_POLICY: a free-mail address (business addresses only)' },
      { leadId: 'l2', kind: 'admit', reservedCredits: 9 },
    ]);
  });

  it('holds each visitor to its daily count, with what it had earlier today', () => {
    const day = { ...empty, byVisitor: new Map([['v1', 1]]) };
    const decisions = decideAutomatic({ ...policy, dailyCreditCap: null }, day, [
      candidate('l1', 'a@x-corp.com', 'v1'),
      candidate('l2', 'b@x-corp.com', 'v1'),
      candidate('l3', 'c@x-corp.com', 'v2'),
    ]);
    expect(decisions.map((d) => d.kind)).toEqual(['admit', 'skip', 'admit']);
  });

  it('with business-only off and no cap, admits free-mail addresses', () => {
    expect(decideAutomatic({ businessOnly: false, dailyCreditCap: null, perVisitorDaily: 5 }, empty, [candidate('l1', 'a@gmail.com')])).toEqual([
      { leadId: 'l1', kind: 'admit', reservedCredits: 3 },
    ]);
  });
});
