import type { KeyValueStore } from '@switchyard/core';
import type { RedisClient } from './clients.js';

/** Options of {@link redisKeyValueStore}. */
export interface RedisKeyValueStoreOptions {
  /** Prefix of every key. Defaults to `switchyard:`. */
  prefix?: string;
}

// One round trip, atomic: add, and set the TTL only on a key that has none (i.e. was just created).
const INCREMENT = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = tonumber(ARGV[2])
if ttl > 0 and redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ttl) end
return v`;

const SET_PX = `return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])`;

/**
 * A {@link KeyValueStore} on a Redis client the caller owns (ioredis or compatible), so several
 * gateway instances share round-robin cursors, session affinity and breaker openings. Values are JSON; `increment`
 * is atomic (INCRBY + PEXPIRE in one Lua script) and takes whole numbers.
 *
 * @example
 * const store = redisKeyValueStore(new Redis(process.env.REDIS_URL));
 * strategySelector({ store }); failover({ store });
 */
export function redisKeyValueStore(client: RedisClient, options: RedisKeyValueStoreOptions = {}): KeyValueStore {
  if (!client || typeof client.eval !== 'function' || typeof client.get !== 'function') {
    throw new TypeError('redisKeyValueStore: client must be a Redis client (eval, get, set, del)');
  }
  const prefix = options.prefix ?? 'switchyard:';
  return {
    async get<T>(key: string): Promise<T | undefined> {
      const raw = await client.get(prefix + key);
      return raw === null ? undefined : (JSON.parse(raw) as T);
    },
    async set<T>(key: string, value: T, ttlMs?: number): Promise<void> {
      const raw = JSON.stringify(value);
      if (ttlMs && ttlMs > 0) await client.eval(SET_PX, 1, prefix + key, raw, Math.ceil(ttlMs));
      else await client.set(prefix + key, raw);
    },
    async delete(key: string): Promise<void> {
      await client.del(prefix + key);
    },
    async increment(key: string, by = 1, ttlMs?: number): Promise<number> {
      if (!Number.isInteger(by)) throw new TypeError('redisKeyValueStore.increment: by must be an integer');
      return Number(await client.eval(INCREMENT, 1, prefix + key, by, ttlMs && ttlMs > 0 ? Math.ceil(ttlMs) : 0));
    },
  };
}
