import { describe, expect, it } from 'vitest';
import { screenBots } from '../../../modules/leads/ingest/bot-screen.js';
import type { IngestMessage } from '../../../modules/leads/ingest/segment-message.js';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

let n = 0;
const message = (context: Record<string, unknown>, person: Partial<Pick<IngestMessage, 'userId' | 'email'>> = {}): IngestMessage => ({
  messageId: `m-${(n += 1)}`,
  type: 'page',
  name: 'page_view',
  anonymousId: 'a-1',
  traits: {},
  properties: {},
  context,
  at: new Date(0),
  ...person,
});

describe('screenBots', () => {
  it('drops crawlers by user agent and by published range, keeping people in order', () => {
    const person = message({ userAgent: CHROME });
    const later = message({ userAgent: CHROME, ip: '203.0.113.5' });
    const screened = screenBots([message({ userAgent: GOOGLEBOT }), person, message({ userAgent: CHROME, ip: '66.249.66.1' }), later], '198.51.100.7');
    expect(screened).toEqual({ kept: [person, later], bots: 2 });
  });

  it('judges the peer’s address where the sender names none', () => {
    expect(screenBots([message({ userAgent: CHROME })], '66.249.70.3').bots).toBe(1);
    expect(screenBots([message({ userAgent: CHROME })], null).bots).toBe(0);
  });

  it('keeps what names a person, whatever fetched it', () => {
    const opened = message({ userAgent: 'GoogleImageProxy' }, { email: 'jane@example.com' });
    const backend = message({ userAgent: GOOGLEBOT }, { userId: 'u-1' });
    expect(screenBots([opened, backend], null)).toEqual({ kept: [opened, backend], bots: 0 });
  });

  it('hands back the same array when there is no bot', () => {
    const messages = [message({ userAgent: CHROME }), message({})];
    expect(screenBots(messages, '203.0.113.9').kept).toBe(messages);
  });
});
