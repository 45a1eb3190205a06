import { describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../platform/config/config.js';
import { problemText, type Outcome } from '../../platform/outcome.js';

const VALID_ADMIN_TOKEN = 'adm_0123456789abcdefghijklmn'; // 28 characters

function accepted(result: Outcome<Config>): Config {
  if (!result.ok) throw new Error(`expected the configuration to be accepted, got:\n${problemText(result.problem)}`);
  return result.value;
}

function refused(result: Outcome<Config>): string {
  if (result.ok) throw new Error(`expected the configuration to be refused, got ${JSON.stringify(result.value)}`);
  return problemText(result.problem);
}

describe('parseConfig', () => {
  it('fills in the documented defaults from an empty environment', () => {
    const config = accepted(parseConfig({}));
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      HOST: '0.0.0.0',
      PORT: 4000,
      DATA_DIR: '.data',
      DATABASE_POOL_SIZE: 10,
      EMBEDDED_POSTGRES_PORT: 5488,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'leadgraph',
      TEMPORAL_TLS: false,
      EMBEDDED_TEMPORAL_PORT: 7244,
      REDIS_KEY_PREFIX: 'lg:',
      KEY_CACHE_TTL_SECONDS: 300,
      RATE_LIMIT_PER_MINUTE: 1200,
      TRUST_PROXY: false,
      MAX_QUERY_DEPTH: 12,
      MAX_QUERY_COST: 25_000,
      MAX_PAGE_SIZE: 100,
      TENANT_MIGRATION_CONCURRENCY: 8,
      LOG_LEVEL: 'info',
    });
    // Without a URL the services run embedded; nothing is invented for them.
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    expect(config.ADMIN_TOKEN).toBeUndefined();
  });

  it('turns the strings of the environment into numbers and flags', () => {
    const config = accepted(
      parseConfig({
        PORT: '8080',
        RATE_LIMIT_PER_MINUTE: '60',
        DATABASE_URL: 'postgresql://app@db.internal:5432/leadgraph',
        REDIS_URL: 'rediss://cache.internal:6380',
        TEMPORAL_ADDRESS: 'temporal.internal:7233',
        TEMPORAL_TLS: 'true',
        TRUST_PROXY: '1',
        ADMIN_TOKEN: VALID_ADMIN_TOKEN,
      }),
    );
    expect(config.PORT).toBe(8080);
    expect(config.RATE_LIMIT_PER_MINUTE).toBe(60);
    expect(config.DATABASE_URL).toBe('postgresql://app@db.internal:5432/leadgraph');
    expect(config.REDIS_URL).toBe('rediss://cache.internal:6380');
    expect(config.TEMPORAL_ADDRESS).toBe('temporal.internal:7233');
    expect(config.TEMPORAL_TLS).toBe(true);
    expect(config.TRUST_PROXY).toEqual({ hops: 1 });
    expect(config.ADMIN_TOKEN).toBe(VALID_ADMIN_TOKEN);
  });

  it('reads "false", "0" and "no" as false, never as a truthy string', () => {
    for (const value of ['false', '0', 'no']) {
      const config = accepted(parseConfig({ TEMPORAL_TLS: value, TRUST_PROXY: value }));
      expect(config.TEMPORAL_TLS, `TEMPORAL_TLS=${value}`).toBe(false);
      expect(config.TRUST_PROXY, `TRUST_PROXY=${value}`).toBe(false);
    }
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'not a url'],
    ['REDIS_URL', 'http://cache:6379'],
    ['TEMPORAL_TLS', 'maybe'],
    ['ADMIN_TOKEN', 'short'],
    ['TEMPORAL_ADDRESS', 'temporal.internal'],
    ['RATE_LIMIT_PER_MINUTE', '0'],
    ['NODE_ENV', 'staging'],
  ])('refuses %s=%s and names the variable', (name, value) => {
    const message = refused(parseConfig({ [name]: value }));
    expect(message).toContain(name);
  });

  it('names every wrong variable at once, and only those', () => {
    const message = refused(parseConfig({ PORT: 'abc', TEMPORAL_TLS: 'maybe', HOST: 'gateway.local' }));
    expect(message).toContain('PORT');
    expect(message).toContain('TEMPORAL_TLS');
    expect(message).not.toContain('HOST');
  });

  it('treats an empty variable as unset', () => {
    const config = accepted(
      parseConfig({ PORT: '', DATABASE_URL: '', TEMPORAL_TLS: '', ADMIN_TOKEN: '', TEMPORAL_ADDRESS: '', NODE_ENV: '' }),
    );
    expect(config.PORT).toBe(4000);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.TEMPORAL_TLS).toBe(false);
    expect(config.ADMIN_TOKEN).toBeUndefined();
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    expect(config.NODE_ENV).toBe('development');
  });

  it('refuses a TLS client certificate without its key, naming the missing variable', () => {
    const message = refused(parseConfig({ TEMPORAL_TLS_CERT: '/etc/temporal/client.pem' }));
    expect(message).toContain('TEMPORAL_TLS_KEY');

    const emptyKey = refused(parseConfig({ TEMPORAL_TLS_CERT: '/etc/temporal/client.pem', TEMPORAL_TLS_KEY: '' }));
    expect(emptyKey).toContain('TEMPORAL_TLS_KEY');

    const both = accepted(
      parseConfig({ TEMPORAL_TLS_CERT: '/etc/temporal/client.pem', TEMPORAL_TLS_KEY: '/etc/temporal/client.key' }),
    );
    expect(both.TEMPORAL_TLS_CERT).toBe('/etc/temporal/client.pem');
    expect(both.TEMPORAL_TLS_KEY).toBe('/etc/temporal/client.key');
  });
});
