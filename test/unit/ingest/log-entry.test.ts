import { describe, expect, it } from 'vitest';
import { logAppendOf, logEntryOf } from '../../../modules/leads/ingest/log-entry.js';
import type { IngestMessage } from '../../../modules/leads/ingest/segment-message.js';

const message: IngestMessage = {
  messageId: 'm-1',
  type: 'identify',
  name: 'identify',
  anonymousId: 'a-1',
  userId: 'u-1',
  email: 'ada@acme.test',
  traits: { plan: 'pro', seats: 3 },
  properties: {},
  context: { page: { path: '/pricing' }, ip: '203.0.113.9' },
  at: new Date('2026-12-07T10:11:12.345Z'),
};

describe('the ingestion log entry', () => {
  it('reads back the message it wrote, time included, with the request it came with', () => {
    const appended = logAppendOf(message, 'tenant', '198.51.100.4');
    expect(appended).toMatchObject({ messageId: 'm-1', source: 'tenant', ip: '198.51.100.4' });
    const entry = logEntryOf({ position: 7, receivedAt: new Date('2026-12-07T10:11:13Z'), source: 'tenant', ip: '198.51.100.4', json: JSON.parse(appended.messageJson) as Record<string, unknown> });
    expect(entry).toEqual({ position: 7, receivedAt: new Date('2026-12-07T10:11:13Z'), source: 'tenant', ip: '198.51.100.4', message });
    expect(entry.message.at).toBeInstanceOf(Date);
  });

  it('keeps absent ids absent, not null', () => {
    const anonymous: IngestMessage = { messageId: 'm-2', type: 'track', name: 'Clicked', anonymousId: 'a-2', traits: {}, properties: { n: 1 }, context: {}, at: new Date('2026-12-07T00:00:00Z') };
    const entry = logEntryOf({ position: 1, receivedAt: new Date(), source: 'public', ip: null, json: JSON.parse(logAppendOf(anonymous, 'public', null).messageJson) as Record<string, unknown> });
    expect(entry.message).toEqual(anonymous);
    expect('userId' in entry.message).toBe(false);
  });

  it('refuses a row that is not a message with a TypeError (the row is set aside, not retried)', () => {
    const row = (json: Record<string, unknown>) => ({ position: 3, receivedAt: new Date(), source: 'public' as const, ip: null, json });
    expect(() => logEntryOf(row({ bogus: true }))).toThrow(TypeError);
    expect(() => logEntryOf(row({ messageId: 'x', type: 'track', at: 'not a time' }))).toThrow(/row 3 is not a message/);
    expect(() => logEntryOf(row({ messageId: 7, type: 'track', at: '2026-12-07T00:00:00Z' }))).toThrow(TypeError);
  });
});
