import type { KeyValueStore } from '@switchyard/core';

/**
 * "Target unavailable until t" flags with a TTL, in memory or shared. Every instance writes
 * `breaker:<provider>:<model>` (and `cooldown:…`) = until-timestamp with a PX expiry when it
 * opens a circuit or sees a 429 with Retry-After, and reads them before trying a target, so
 * one instance's discovery spares the others a request.
 */
export interface SharedFlags {
  get(key: string): Promise<number | undefined>;
  set(key: string, until: number, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * Flags in a {@link KeyValueStore} (for Redis: `redisKeyValueStore(client)` from
 * `@switchyard/stores`). A bare Redis client is refused: the store is one contract, not a guess.
 */
export function sharedFlags(store: KeyValueStore, prefix: string): SharedFlags {
  if (typeof store?.get !== 'function' || typeof store.set !== 'function' || typeof store.delete !== 'function') {
    throw new TypeError('failover: `store` must be a KeyValueStore (for Redis: redisKeyValueStore(client) from @switchyard/stores)');
  }
  return {
    async get(key) {
      const v = await store.get<number>(prefix + key);
      return typeof v === 'number' ? v : undefined;
    },
    set: (key, until, ttlMs) => store.set(prefix + key, until, Math.max(1, Math.ceil(ttlMs))),
    delete: (key) => store.delete(prefix + key),
  };
}
