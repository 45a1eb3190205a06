import { describe, expect, it } from 'vitest';
import { parseSegmentMessage } from '../../../modules/leads/ingest/segment-message.js';
import { problemText, type Outcome } from '../../../platform/outcome.js';

const now = new Date('2026-11-22T12:00:00Z');

/** The field an invalid message is refused for. */
const pathOf = (parsed: Outcome<unknown>) => !parsed.ok && parsed.problem.kind === 'invalid-input' && parsed.problem.path;

describe('Segment messages', () => {
  it('normalises a track call', () => {
    const parsed = parseSegmentMessage(
      { type: 'track', event: 'Signup', anonymousId: 'a1', messageId: 'm1', properties: { plan: 'pro' }, timestamp: '2026-11-22T11:00:00Z' },
      { now },
    );
    expect(parsed).toEqual({
      ok: true,
      value: expect.objectContaining({ messageId: 'm1', type: 'track', name: 'Signup', anonymousId: 'a1', properties: { plan: 'pro' } }),
    });
  });

  it('names pages page_view, takes the email from identify traits, lower-cased', () => {
    const page = parseSegmentMessage({ type: 'page', name: 'Pricing', anonymousId: 'a1' }, { now });
    expect(page.ok && page.value.name).toBe('page_view');
    expect(page.ok && page.value.properties).toEqual({ name: 'Pricing' });
    const identify = parseSegmentMessage({ userId: 'u1', traits: { email: ' Jane@Example.COM ' } }, { now, impliedType: 'identify' });
    expect(identify.ok && identify.value.email).toBe('jane@example.com');
  });

  it('gives a messageId to a message without one and uses now for a missing timestamp', () => {
    const parsed = parseSegmentMessage({ type: 'track', event: 'x', userId: 'u1' }, { now });
    expect(parsed.ok && parsed.value.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(parsed.ok && parsed.value.at).toEqual(now);
  });

  it('turns an alias into a claim that previousId and userId are one person', () => {
    const parsed = parseSegmentMessage({ type: 'alias', previousId: 'anon-7', userId: 'u1' }, { now });
    expect(parsed.ok && [parsed.value.anonymousId, parsed.value.userId]).toEqual(['anon-7', 'u1']);
  });

  it.each([
    [{ type: 'track', event: 'x' }, 'anonymousId or userId is required'],
    [{ type: 'track', anonymousId: 'a' }, 'event'],
    [{ type: 'track', event: 'x', anonymousId: 'a', timestamp: '2027-06-01T00:00:00Z' }, 'future'],
    [{ type: 'track', event: 'x', anonymousId: 'a', timestamp: 'yesterday' }, 'timestamp'],
    [{ type: 'launch', anonymousId: 'a' }, 'type'],
    ['not an object', 'JSON object'],
  ])('refuses %j with a reason', (raw, reason) => {
    const parsed = parseSegmentMessage(raw, { now });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && problemText(parsed.problem)).toContain(reason);
  });

  it('refuses property trees nested past a sane depth', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 20; i += 1) deep = { deeper: deep };
    const parsed = parseSegmentMessage({ type: 'track', event: 'x', anonymousId: 'a', properties: deep }, { now });
    expect(!parsed.ok && problemText(parsed.problem)).toMatch(/nested deeper/);
  });

  it('accepts nesting up to the limit and refuses one level more', () => {
    const nested = (levels: number) => {
      let tree: unknown = 'leaf';
      for (let i = 0; i < levels; i += 1) tree = { down: tree };
      return tree;
    };
    // The message is level 0, `properties` level 1; its leaf sits at level `levels + 1`.
    expect(parseSegmentMessage({ type: 'track', event: 'x', anonymousId: 'a', properties: nested(11) }, { now }).ok).toBe(true);
    const refused = parseSegmentMessage({ type: 'track', event: 'x', anonymousId: 'a', properties: nested(12) }, { now });
    expect(pathOf(refused)).toEqual(['properties']);
  });

  it('refuses a NUL character anywhere, which PostgreSQL cannot store, naming the field', () => {
    const inValue = parseSegmentMessage({ type: 'track', event: 'x', anonymousId: 'a', properties: { note: 'a\u0000b' } }, { now });
    expect(!inValue.ok && problemText(inValue.problem)).toMatch(/^properties: contains a NUL character/);
    const inKey = parseSegmentMessage({ type: 'track', event: 'x', anonymousId: 'a', context: { ['k\u0000']: 1 } }, { now });
    expect(pathOf(inKey)).toEqual(['context']);
    const inId = parseSegmentMessage({ type: 'track', event: 'x\u0000', anonymousId: 'a' }, { now });
    expect(pathOf(inId)).toEqual(['event']);
  });

  it('refuses a message of another type on a typed endpoint', () => {
    const parsed = parseSegmentMessage({ type: 'page', anonymousId: 'a' }, { now, impliedType: 'track' });
    expect(!parsed.ok && problemText(parsed.problem)).toMatch(/sent to the track endpoint/);
  });
});
