import { describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../../platform/config/config.js';
import { allowLocalOutbound } from '../../../platform/outbound/outbound-config.js';
import { problemText } from '../../../platform/outcome.js';

const configOf = (env: Record<string, string>): Config => {
  const parsed = parseConfig(env);
  if (!parsed.ok) throw new Error(problemText(parsed.problem));
  return parsed.value;
};

describe('outbound settings', () => {
  it('allows no local target by default, in any mode', () => {
    for (const NODE_ENV of ['development', 'test', 'production']) expect(allowLocalOutbound(configOf({ NODE_ENV }))).toBe(false);
  });

  it('takes ALLOW_LOCAL_OUTBOUND in any mode, and its old name outside production only, as that name always worked', () => {
    expect(allowLocalOutbound(configOf({ ALLOW_LOCAL_OUTBOUND: 'true', NODE_ENV: 'production' }))).toBe(true);
    expect(allowLocalOutbound(configOf({ ENRICHMENT_ALLOW_HTTP_VENDORS: 'true', NODE_ENV: 'development' }))).toBe(true);
    expect(allowLocalOutbound(configOf({ ENRICHMENT_ALLOW_HTTP_VENDORS: 'true', NODE_ENV: 'production' }))).toBe(false);
    expect(allowLocalOutbound(configOf({ ALLOW_LOCAL_OUTBOUND: 'false', ENRICHMENT_ALLOW_HTTP_VENDORS: 'false' }))).toBe(false);
  });

  it('has caps by default and refuses nonsense, naming the variable', () => {
    const config = configOf({});
    expect([config.OUTBOUND_TIMEOUT_MS, config.OUTBOUND_MAX_BODY_BYTES, config.OUTBOUND_MAX_REDIRECTS, config.OUTBOUND_DNS_SERVERS]).toEqual([15_000, 1_048_576, 5, undefined]);
    expect(configOf({ OUTBOUND_DNS_SERVERS: '127.0.0.1:5353, 10.0.0.2' }).OUTBOUND_DNS_SERVERS).toEqual(['127.0.0.1:5353', '10.0.0.2']);
    const wrong = parseConfig({ OUTBOUND_MAX_REDIRECTS: '50', ALLOW_LOCAL_OUTBOUND: 'maybe' });
    expect(wrong.ok ? '' : problemText(wrong.problem)).toMatch(/OUTBOUND_MAX_REDIRECTS/);
    expect(wrong.ok ? '' : problemText(wrong.problem)).toMatch(/ALLOW_LOCAL_OUTBOUND/);
  });
});
