import { Redis, type RedisOptions } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { assertKeyPrefix, assertTtl, type Cache, type Coordination, type CoordinationErrorHandler, type PubSub, type Unsubscribe } from './coordination.js';
import { createFlexibleRateLimiter, memoizeLimiters } from './flexible-rate-limiter.js';
import { createRedisSemaphores } from './redis-semaphores.js';

export type RedisCoordinationOptions = {
  url: string;
  /** Prepended verbatim to every key and channel (e.g. "lg:"), so tenants of one Redis don't collide. */
  keyPrefix: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  onError?: CoordinationErrorHandler;
};

// Compare and delete in one step: a GET then DEL could free a lease that expired in between
// and was taken by another holder.
const DELETE_IF_EQUALS_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

const DELETE_IF_EQUALS_COMMAND = 'leadgraphDeleteIfEquals';

/**
 * rate-limiter-flexible's own counting script (set with expiry if absent,
 * incrby, pttl), run for every key of a request in one call. Kept by hand:
 * the library takes a call a key, and a /v1/batch of 50 visitors counts 52
 * keys. One call instead of 52 took /v1/batch from 5,139 to 5,859 events/s
 * and /v1/track from 1,429 to 1,817 (`BENCH_ONLY=ingest npm run bench:compare`, one run).
 */
const CONSUME_EACH_LUA = `
local out = {}
for i, key in ipairs(KEYS) do
  redis.call('set', key, 0, 'EX', ARGV[1], 'NX')
  local consumed = redis.call('incrby', key, 1)
  local ttl = redis.call('pttl', key)
  if ttl == -1 then
    redis.call('expire', key, ARGV[1])
    ttl = 1000 * ARGV[1]
  end
  out[2 * i - 1] = consumed
  out[2 * i] = ttl
end
return out
`;

const CONSUME_EACH_COMMAND = 'leadgraphConsumeEach';

// defineCommand attaches methods ioredis' types can't know about; this is their shape.
type ScriptHost = {
  [DELETE_IF_EQUALS_COMMAND]: (key: string, value: string) => Promise<unknown>;
  [CONSUME_EACH_COMMAND]: (numberOfKeys: number, ...keysThenSeconds: Array<string | number>) => Promise<unknown>;
};

const defaultOnError: CoordinationErrorHandler = (error, context) => {
  console.error(`[coordination:redis] ${context}`, error);
};

// quit() waits for pending replies; on a dead link it could wait on reconnects, so fall back to a hard disconnect.
async function closeConnection(connection: Redis): Promise<void> {
  if (connection.status === 'end') return;
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  }
}

// SCAN's MATCH is a glob pattern, so the literal prefix has its metacharacters escaped.
const globLiteral = (text: string): string => text.replace(/[\\*?[\]]/g, '\\$&');

// SCAN rather than KEYS, so a large keyspace never blocks Redis; UNLINK frees memory off the main thread.
async function unlinkByPrefix(connection: Redis, fullPrefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await connection.scan(cursor, 'MATCH', `${globLiteral(fullPrefix)}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await connection.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

type ChannelSubscription = {
  handlers: Set<(message: string) => void>;
  /** Settles when SUBSCRIBE is acknowledged; later subscribers wait on it too. */
  ready: Promise<void>;
};

export async function createRedisCoordination(opts: RedisCoordinationOptions): Promise<Coordination> {
  const { keyPrefix } = opts;
  const onError = opts.onError ?? defaultOnError;

  const connectionOptions: RedisOptions = {
    lazyConnect: true,
    connectTimeout: opts.connectTimeoutMs ?? 2_000,
    commandTimeout: opts.commandTimeoutMs ?? 2_000,
    // Keep reconnecting in the background (Redis may come back), but fail queued commands
    // quickly instead of letting requests hang on a dead Redis.
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  };
  const command = new Redis(opts.url, { ...connectionOptions, connectionName: 'leadgraph-coordination' });
  // A connection in subscriber mode can't run normal commands, hence the dedicated second one.
  const subscriber = new Redis(opts.url, { ...connectionOptions, connectionName: 'leadgraph-coordination-sub' });
  // redis-semaphore names its keys itself ("semaphore:<key>"); this connection's keyPrefix puts them under ours.
  // Lazy: it connects on first use, so processes that take no semaphore (gateways) never open it.
  const semaphoreConnection = new Redis(opts.url, { ...connectionOptions, keyPrefix, connectionName: 'leadgraph-coordination-sem' });
  // Without listeners ioredis logs every reconnect failure as an unhandled error event.
  command.on('error', (error) => onError(error, 'redis command connection error'));
  subscriber.on('error', (error) => onError(error, 'redis subscriber connection error'));
  semaphoreConnection.on('error', (error) => onError(error, 'redis semaphore connection error'));

  try {
    await Promise.all([command.connect(), subscriber.connect()]);
  } catch (error) {
    command.disconnect();
    subscriber.disconnect();
    semaphoreConnection.disconnect();
    throw new Error(`cannot connect to Redis for coordination: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }

  command.defineCommand(DELETE_IF_EQUALS_COMMAND, { numberOfKeys: 1, lua: DELETE_IF_EQUALS_LUA });
  const scripts = command as unknown as ScriptHost;

  // Counters keep the key layout of the hand-written script they replace, `<keyPrefix>rl:<key>`, so live windows carry over.
  const limiters = memoizeLimiters(
    (points, durationSeconds) => new RateLimiterRedis({ storeClient: command, keyPrefix: `${keyPrefix}rl`, points, duration: durationSeconds }),
  );
  command.defineCommand(CONSUME_EACH_COMMAND, { lua: CONSUME_EACH_LUA });
  const rateLimiter = createFlexibleRateLimiter({
    limiterFor: limiters.limiterFor,
    async consumeEach(keys, durationSeconds) {
      const reply = await scripts[CONSUME_EACH_COMMAND](keys.length, ...keys.map((key) => `${keyPrefix}rl:${key}`), durationSeconds);
      if (!Array.isArray(reply) || reply.length !== keys.length * 2) throw new Error(`unexpected rate limit reply: ${JSON.stringify(reply)}`);
      return keys.map((_, i) => ({ consumed: Number(reply[2 * i]), msBeforeNext: Number(reply[2 * i + 1]) }));
    },
    deleteByPrefix: (prefix) => unlinkByPrefix(command, `${keyPrefix}rl:${prefix}`),
  });

  const semaphores = createRedisSemaphores(semaphoreConnection, onError);

  const cache: Cache = {
    async get(key) {
      const value = await command.get(`${keyPrefix}cache:${key}`);
      return value ?? undefined;
    },
    async set(key, value, ttlMs) {
      assertTtl(ttlMs);
      await command.set(`${keyPrefix}cache:${key}`, value, 'PX', Math.ceil(ttlMs));
    },
    async delete(key) {
      await command.del(`${keyPrefix}cache:${key}`);
    },
    async setIfAbsent(key, value, ttlMs) {
      assertTtl(ttlMs);
      const reply = await command.set(`${keyPrefix}cache:${key}`, value, 'PX', Math.ceil(ttlMs), 'NX');
      return reply === 'OK';
    },
    async deleteIfEquals(key, value) {
      const reply = await scripts[DELETE_IF_EQUALS_COMMAND](`${keyPrefix}cache:${key}`, value);
      return Number(reply) === 1;
    },
    async deleteByPrefix(prefix) {
      assertKeyPrefix(prefix);
      return unlinkByPrefix(command, `${keyPrefix}cache:${prefix}`);
    },
  };

  // One subscriber connection multiplexes every channel; handlers are fanned out locally.
  const channels = new Map<string, ChannelSubscription>();
  subscriber.on('message', (fullChannel: string, message: string) => {
    const subscription = channels.get(fullChannel);
    if (subscription === undefined) return;
    for (const handler of [...subscription.handlers]) {
      try {
        handler(message);
      } catch (error) {
        onError(error, `subscriber on channel "${fullChannel}" threw`);
      }
    }
  });

  const pubsub: PubSub = {
    async publish(channel, message) {
      await command.publish(`${keyPrefix}ps:${channel}`, message);
    },
    async subscribe(channel, onMessage) {
      const fullChannel = `${keyPrefix}ps:${channel}`;
      // Wrap so the same function subscribed twice gets two independent subscriptions.
      const handler = (message: string): void => onMessage(message);
      let subscription = channels.get(fullChannel);
      if (subscription === undefined) {
        const ready = subscriber.subscribe(fullChannel).then(() => undefined);
        const created: ChannelSubscription = { handlers: new Set(), ready };
        // A failed SUBSCRIBE must not poison the channel for later subscribers.
        ready.catch(() => {
          if (channels.get(fullChannel) === created) channels.delete(fullChannel);
        });
        subscription = created;
        channels.set(fullChannel, subscription);
      }
      subscription.handlers.add(handler);
      const owner = subscription;

      const unsubscribe: Unsubscribe = async () => {
        if (!owner.handlers.delete(handler)) return;
        // Only the last local handler releases the server-side subscription.
        if (owner.handlers.size === 0 && channels.get(fullChannel) === owner) {
          channels.delete(fullChannel);
          if (subscriber.status === 'ready') await subscriber.unsubscribe(fullChannel);
        }
      };

      try {
        await owner.ready;
      } catch (error) {
        await unsubscribe().catch(() => undefined);
        throw error;
      }
      return unsubscribe;
    },
  };

  let closing: Promise<void> | undefined;
  return {
    kind: 'redis',
    rateLimiter,
    semaphores,
    cache,
    pubsub,
    async ping() {
      // Both must be alive: a dead subscriber silently stops cache-eviction broadcasts.
      await Promise.all([command.ping(), subscriber.ping()]);
    },
    close() {
      closing ??= (async () => {
        channels.clear();
        semaphores.stopRenewals();
        await Promise.all([closeConnection(command), closeConnection(subscriber), closeConnection(semaphoreConnection)]);
      })();
      return closing;
    },
  };
}
