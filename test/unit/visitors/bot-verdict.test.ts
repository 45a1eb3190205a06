import { describe, expect, it } from 'vitest';
import { botVerdict } from '../../../intelligence/visitors/bot-verdict.js';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

describe('botVerdict', () => {
  it.each([
    ['Googlebot', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'],
    ['Applebot', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)'],
    ['bingbot', 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)'],
    ['GPTBot', 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)'],
    ['headless Chrome', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36'],
    ['curl', 'curl/8.5.0'],
    ['python-requests', 'python-requests/2.32.3'],
  ])('knows %s by its user agent', (_name, userAgent) => {
    const verdict = botVerdict({ userAgent, ip: '203.0.113.7' });
    expect(verdict.bot).toBe(true);
    expect(verdict.bot && verdict.by).toBe('user-agent');
  });

  it('knows Applebot on Apple’s own network by its user agent', () => {
    const userAgent = 'Mozilla/5.0 (compatible; Applebot/0.1; +http://www.apple.com/go/applebot)';
    expect(botVerdict({ userAgent, ip: '17.241.75.10' })).toMatchObject({ bot: true, by: 'user-agent' });
  });

  it('lets a person on Apple’s network through: the range alone proves no crawler', () => {
    expect(botVerdict({ userAgent: SAFARI_IPHONE, ip: '17.241.75.10' })).toEqual({ bot: false });
  });

  it.each([
    ['66.249.66.1', 'Googlebot'],
    ['::ffff:66.249.79.200', 'Googlebot'],
    ['2001:4860:4801:10::1', 'Googlebot'],
    ['157.55.39.12', 'Bingbot'],
    ['40.77.167.1', 'Bingbot'],
  ])('knows a crawler by its published range even behind a browser user agent: %s', (ip, crawler) => {
    expect(botVerdict({ userAgent: CHROME, ip })).toEqual({ bot: true, by: 'crawler-network', crawler });
  });

  it.each([
    [CHROME, '203.0.113.7'],
    [SAFARI_IPHONE, '66.249.96.1'],
    [CHROME, null],
    [undefined, '198.51.100.1'],
    ['', null],
    [CHROME, 'not an address'],
  ])('takes %j from %j for a person', (userAgent, ip) => {
    expect(botVerdict({ userAgent, ip })).toEqual({ bot: false });
  });
});
