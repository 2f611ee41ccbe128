/**
 * The key-value contract behind counters and caches that may live in memory or in Redis.
 * Values are JSON-serialisable; TTLs are in milliseconds.
 */
export interface KeyValueStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set<T = unknown>(key: string, value: T, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Atomically add `by` to a numeric value (missing counts as 0) and return the result. The TTL
   * applies when the key is created.
   */
  increment(key: string, by?: number, ttlMs?: number): Promise<number>;
}

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Clock in ms. Defaults to Date.now. */
  now?: () => number;
  /** How often expired entries are swept, in ms; 0 disables sweeping (lazy expiry only). Defaults to 60000. */
  sweepIntervalMs?: number;
}

interface Entry {
  value: unknown;
  expiresAt: number;
}

/**
 * The in-process {@link KeyValueStore}: a Map with lazy expiry and a periodic, unref'd sweep.
 * Right for one process; use the Redis store when several instances must agree.
 *
 * @example
 * const store = new MemoryStore();
 * await store.increment('rpm:key_1', 1, 60_000);
 */
export class MemoryStore implements KeyValueStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #timer?: NodeJS.Timeout;

  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    const every = options.sweepIntervalMs ?? 60_000;
    if (every > 0) {
      this.#timer = setInterval(() => this.sweep(), every);
      this.#timer.unref();
    }
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    return this.#live(key)?.value as T | undefined;
  }

  async set<T = unknown>(key: string, value: T, ttlMs?: number): Promise<void> {
    this.#entries.set(key, { value, expiresAt: ttlMs && ttlMs > 0 ? this.#now() + ttlMs : Infinity });
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async increment(key: string, by = 1, ttlMs?: number): Promise<number> {
    const entry = this.#live(key);
    if (entry) {
      entry.value = Number(entry.value) + by;
      return entry.value as number;
    }
    await this.set(key, by, ttlMs);
    return by;
  }

  /** Drop expired entries now. */
  sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }

  /** Number of live and not yet swept entries. */
  get size(): number {
    return this.#entries.size;
  }

  /** Stop the sweep timer. */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
