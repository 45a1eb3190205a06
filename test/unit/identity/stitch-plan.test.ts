import { describe, expect, it } from 'vitest';
import { planStitch, type KnownLead } from '../../../intelligence/identity/stitch-plan.js';

const anonymous = (id: string): KnownLead => ({ id, userId: null, email: null });
const person = (id: string, userId: string | null, email: string | null): KnownLead => ({ id, userId, email });

describe('identity stitching plan', () => {
  it('creates a lead holding every identifier when nothing matches', () => {
    expect(planStitch({ anonymousId: 'a1', userId: 'u1', email: 'j@x.io' }, {})).toEqual({
      target: { kind: 'new' },
      absorb: [],
      conflicts: [],
      setUserId: 'u1',
      setEmail: 'j@x.io',
      linkAnonymousId: 'a1',
    });
  });

  it('keeps an anonymous visitor on its own lead', () => {
    const plan = planStitch({ anonymousId: 'a1' }, { byAnonymousId: anonymous('L1') });
    expect(plan).toMatchObject({ target: { kind: 'existing', leadId: 'L1' }, absorb: [], conflicts: [] });
    expect(plan.linkAnonymousId).toBeUndefined();
  });

  it('turns the anonymous lead into the person on identify when no one else holds the ids', () => {
    const plan = planStitch({ anonymousId: 'a1', userId: 'u1', email: 'j@x.io' }, { byAnonymousId: anonymous('L1') });
    expect(plan).toMatchObject({ target: { kind: 'existing', leadId: 'L1' }, absorb: [], setUserId: 'u1', setEmail: 'j@x.io' });
  });

  it('absorbs the anonymous lead into the known person it turns out to be', () => {
    const plan = planStitch(
      { anonymousId: 'a2', userId: 'u1' },
      { byAnonymousId: anonymous('L2'), byUserId: person('L1', 'u1', 'j@x.io') },
    );
    expect(plan).toMatchObject({ target: { kind: 'existing', leadId: 'L1' }, absorb: ['L2'], conflicts: [] });
    expect(plan.setUserId).toBeUndefined();
    expect(plan.linkAnonymousId).toBeUndefined();
  });

  it('never merges two known people: the conflict is recorded and the strongest match keeps the message', () => {
    const plan = planStitch(
      { userId: 'u2', email: 'shared@x.io' },
      { byUserId: person('L2', 'u2', null), byEmail: person('L1', 'u1', 'shared@x.io') },
    );
    expect(plan.target).toEqual({ kind: 'existing', leadId: 'L2' });
    expect(plan.absorb).toEqual([]);
    expect(plan.conflicts).toEqual([{ otherLeadId: 'L1', cause: 'email belongs to another known lead' }]);
    expect(plan.setEmail).toBeUndefined();
  });

  it('does not overwrite a userId the lead already holds', () => {
    const plan = planStitch({ userId: 'u9', email: 'j@x.io' }, { byEmail: person('L1', 'u1', 'j@x.io') });
    expect(plan.target).toEqual({ kind: 'existing', leadId: 'L1' });
    expect(plan.setUserId).toBeUndefined();
    expect(plan.conflicts).toEqual([{ otherLeadId: 'L1', cause: 'userId differs from the one the lead holds' }]);
  });

  it('links a new anonymous id of a known person', () => {
    const plan = planStitch({ anonymousId: 'a3', userId: 'u1' }, { byUserId: person('L1', 'u1', null) });
    expect(plan).toMatchObject({ target: { kind: 'existing', leadId: 'L1' }, linkAnonymousId: 'a3', absorb: [] });
  });
});
