import type { KeyValueStore } from '@switchyard/core';

/** The part of an ioredis / node-redis client that shared breaker state uses. */
export interface RedisLikeClient {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, mode: 'PX', ttlMs: number): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

/** Where breaker openings and rate-limit cool-downs are shared between instances. */
export type BreakerStore = KeyValueStore | RedisLikeClient;

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

export function sharedFlags(store: BreakerStore, prefix: string): SharedFlags {
  if ('increment' in store) {
    return {
      async get(key) {
        const v = await store.get<number>(prefix + key);
        return typeof v === 'number' ? v : undefined;
      },
      set: (key, until, ttlMs) => store.set(prefix + key, until, Math.max(1, Math.ceil(ttlMs))),
      delete: (key) => store.delete(prefix + key),
    };
  }
  return {
    async get(key) {
      const v = await store.get(prefix + key);
      const n = v === null ? NaN : Number(v);
      return Number.isFinite(n) ? n : undefined;
    },
    async set(key, until, ttlMs) {
      await store.set(prefix + key, String(until), 'PX', Math.max(1, Math.ceil(ttlMs)));
    },
    async delete(key) {
      await store.del(prefix + key);
    },
  };
}
