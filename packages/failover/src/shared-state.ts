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

/** Options of {@link sharedFlags}. */
export interface SharedFlagsOptions {
  /**
   * How long a value read from the store is reused before the store is asked again. Defaults
   * to 500; 0 asks on every read.
   */
  refreshMs?: number;
  /** Defaults to `Date.now`. */
  now?: () => number;
}

/** A read, kept for reuse: what the store answered (or will), and until when it is fresh. */
interface Read {
  value: Promise<number | undefined>;
  freshUntil: number;
}

/**
 * Flags in a {@link KeyValueStore} (for Redis: `redisKeyValueStore(client)` from
 * `@switchyard/stores`). A bare Redis client is refused: the store is one contract, not a guess.
 *
 * Every attempt reads its target's flags, so a busy instance would ask the store (a Redis round
 * trip, or the cluster primary) twice per request for values that change a few times an hour.
 * A value read is reused for `refreshMs`, and reads of a key while one is on its way wait for
 * that one: per key, at most one read per `refreshMs` whatever the load. What this instance
 * writes is known at once; another instance's opening is seen at most `refreshMs` late.
 */
export function sharedFlags(store: KeyValueStore, prefix: string, options: SharedFlagsOptions = {}): SharedFlags {
  if (typeof store?.get !== 'function' || typeof store.set !== 'function' || typeof store.delete !== 'function') {
    throw new TypeError('failover: `store` must be a KeyValueStore (for Redis: redisKeyValueStore(client) from @switchyard/stores)');
  }
  const refreshMs = options.refreshMs ?? 500;
  const now = options.now ?? Date.now;
  // Keys are per target (provider and model label), a set bounded by the catalog.
  const reads = new Map<string, Read>();
  const remember = (key: string, value: Promise<number | undefined>): void => {
    if (refreshMs > 0) reads.set(key, { value, freshUntil: now() + refreshMs });
  };
  return {
    get(key) {
      const kept = reads.get(key);
      if (kept !== undefined && now() < kept.freshUntil) return kept.value;
      const value = store.get<number>(prefix + key).then((v) => (typeof v === 'number' ? v : undefined));
      remember(key, value);
      // A failed read is not kept: the next one asks again.
      value.catch(() => {
        if (reads.get(key)?.value === value) reads.delete(key);
      });
      return value;
    },
    set(key, until, ttlMs) {
      remember(key, Promise.resolve(until));
      return store.set(prefix + key, until, Math.max(1, Math.ceil(ttlMs)));
    },
    delete(key) {
      remember(key, Promise.resolve(undefined));
      return store.delete(prefix + key);
    },
  };
}
