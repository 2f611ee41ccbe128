import { randomUUID } from 'node:crypto';
import type { KeyLimits } from '@switchyard/core';
import { FallbackLimitStore, type CounterLike, type StoreErrorInfo, type StoreErrorPolicy } from './fallback-store.js';
import { toCounterLimits } from './limits.js';
import { LeaseKeeper } from './lease-keeper.js';
import { MemoryLimitStore } from './memory-store.js';
import { assertWindow, type Decision, type LimitStore, type UsageSnapshot, type WindowSpec } from './store.js';

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /**
   * Where counters live: a {@link RedisLimitStore} to share limits between instances.
   * Defaults to a new MemoryLimitStore (per process).
   */
  store?: LimitStore;
  /**
   * Policy while a given `store` fails: `open` decides with a per-process limiter, `closed`
   * answers 503. Ignored for the default memory store. Defaults to `open`.
   */
  onStoreError?: StoreErrorPolicy;
  /** Called on every store failure (log, alert). Defaults to none. */
  reportStoreError?: (error: unknown, info: StoreErrorInfo) => void;
  /** prom-client Counter with labels `operation`, `policy`, counted on every store failure. Defaults to none. */
  storeErrorCounter?: CounterLike;
  /** The token budget window. Defaults to one hour in 60 one-minute buckets. */
  tokenWindow?: WindowSpec;
  /** The request-rate window. Defaults to one minute in 60 one-second buckets. */
  requestWindow?: WindowSpec;
  /**
   * How long a concurrency slot lives without renewal. A running request renews its slot every
   * third of this, so a crashed instance's slots free up within one lease. Defaults to 30000.
   */
  leaseMs?: number;
  /** Clock in ms. Defaults to Date.now. */
  now?: () => number;
}

/** A reservation in flight, needed to settle it. */
export interface ReservationHandle {
  key: string;
  id: string;
  reservedAt: number;
  inputTokens: number;
  outputTokens: number;
  fallback?: boolean;
}

/** Current consumption of a key inside its windows. */
export interface WindowUsage extends UsageSnapshot {
  totalTokens: number;
  tokenWindowSeconds: number;
  requestWindowSeconds: number;
}

/**
 * The framework-neutral limiter: one atomic reserve per request, one settle when it ends.
 * Share one instance between the middleware and the admin router.
 *
 * @example
 * const limiter = new RateLimiter({ store: new RedisLimitStore({ client }), onStoreError: 'open' });
 * const { decision, handle } = await limiter.reserve('k:key_1', { totalTokensPerHour: 100_000 }, { inputTokens: 900, outputTokens: 1024 });
 * if (decision.allowed) await limiter.settle(handle!, { inputTokens: 880, outputTokens: 312 });
 */
export class RateLimiter {
  readonly store: LimitStore;
  readonly tokenWindow: WindowSpec;
  readonly requestWindow: WindowSpec;
  readonly leaseMs: number;
  readonly now: () => number;
  readonly #leases: LeaseKeeper;

  constructor(options: RateLimiterOptions = {}) {
    const o = resolveOptions(options);
    this.store = o.store;
    this.tokenWindow = o.tokenWindow;
    this.requestWindow = o.requestWindow;
    this.leaseMs = o.leaseMs;
    this.now = o.now;
    this.#leases = new LeaseKeeper(o.store, o.leaseMs, o.now);
  }

  /**
   * Check every enabled limit and reserve `ask` when all pass, atomically, under the budget mode
   * `limits.budgetMode` (default `strict`); the handle says how many tokens were really held.
   */
  async reserve(
    key: string,
    limits: KeyLimits,
    ask: { inputTokens: number; outputTokens: number },
  ): Promise<{ decision: Decision; handle?: ReservationHandle }> {
    const id = randomUUID();
    const now = this.now();
    const counterLimits = toCounterLimits(limits);
    const budget = limits.budgetMode ?? 'strict';
    const decision = await this.store.reserve({
      key,
      id,
      now,
      tokenWindow: this.tokenWindow,
      requestWindow: this.requestWindow,
      limits: counterLimits,
      inputTokens: ask.inputTokens,
      outputTokens: ask.outputTokens,
      leaseMs: this.leaseMs,
      budget,
    });
    if (!decision.allowed) return { decision };
    // Only a concurrency limit looks at leases: renew them only then.
    if (counterLimits.concurrent !== undefined) this.#leases.hold({ key, id, fallback: decision.fallback });
    // `capped` and `soft` hold fewer tokens than asked: settle replaces what was really held.
    return { decision, handle: { key, id, reservedAt: now, ...(decision.reserved ?? ask), fallback: decision.fallback } };
  }

  /** Replace a reservation with what was really consumed and free its concurrency slot. */
  async settle(handle: ReservationHandle, actual: { inputTokens: number; outputTokens: number }): Promise<void> {
    this.#leases.release(handle.key, handle.id);
    await this.store.settle({
      key: handle.key,
      id: handle.id,
      now: this.now(),
      reservedAt: handle.reservedAt,
      tokenWindow: this.tokenWindow,
      reserved: { inputTokens: handle.inputTokens, outputTokens: handle.outputTokens },
      actual,
      fallback: handle.fallback,
    });
  }

  /** What a key consumed in the current windows (reservations in flight included). */
  async usage(key: string): Promise<WindowUsage> {
    const u = await this.store.usage(key, this.now(), this.tokenWindow, this.requestWindow);
    return {
      ...u,
      totalTokens: u.inputTokens + u.outputTokens,
      tokenWindowSeconds: this.tokenWindow.windowMs / 1000,
      requestWindowSeconds: this.requestWindow.windowMs / 1000,
    };
  }
}

function resolveOptions(options: RateLimiterOptions) {
  const tokenWindow = options.tokenWindow ?? { windowMs: 3_600_000, bucketMs: 60_000 };
  const requestWindow = options.requestWindow ?? { windowMs: 60_000, bucketMs: 1_000 };
  assertWindow('tokenWindow', tokenWindow);
  assertWindow('requestWindow', requestWindow);
  const leaseMs = options.leaseMs ?? 30_000;
  if (!(Number.isInteger(leaseMs) && leaseMs > 0)) throw new TypeError('leaseMs must be a positive integer');
  const policy = options.onStoreError ?? 'open';
  if (policy !== 'open' && policy !== 'closed') throw new TypeError(`onStoreError must be 'open' or 'closed', got ${String(policy)}`);
  const store =
    options.store === undefined || options.store instanceof MemoryLimitStore || options.store instanceof FallbackLimitStore
      ? (options.store ?? new MemoryLimitStore())
      : new FallbackLimitStore({ primary: options.store, policy, onStoreError: options.reportStoreError, errorCounter: options.storeErrorCounter });
  return { store, tokenWindow, requestWindow, leaseMs, now: options.now ?? Date.now };
}
