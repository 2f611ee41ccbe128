import { GatewayError } from '@switchyard/core';
import { MemoryLimitStore } from './memory-store.js';
import type { Decision, LimitStore, RenewInput, ReserveInput, SettleInput, UsageSnapshot, WindowSpec } from './store.js';

/** What happens to requests while the shared store is unreachable. */
export type StoreErrorPolicy = 'open' | 'closed';

/** Details passed to the `onStoreError` hook. */
export interface StoreErrorInfo {
  operation: 'reserve' | 'settle' | 'renew' | 'usage';
  policy: StoreErrorPolicy;
  key: string;
}

/** A prom-client Counter, or anything with the same `inc`. */
export interface CounterLike {
  inc(labels: Record<string, string>, value?: number): void;
}

/** Options of {@link FallbackLimitStore}. */
export interface FallbackLimitStoreOptions {
  /** The shared store (Redis). Required. */
  primary: LimitStore;
  /**
   * `open`: decide with `fallback` (a per-process limiter) while the primary fails;
   * `closed`: refuse requests with a 503. Defaults to `open`.
   */
  policy?: StoreErrorPolicy;
  /** The local limiter used when failing open. Defaults to a new MemoryLimitStore. */
  fallback?: LimitStore;
  /** Called on every primary failure (log it, alert). Defaults to none. */
  onStoreError?: (error: unknown, info: StoreErrorInfo) => void;
  /**
   * Counted on every primary failure with labels `{ operation, policy }`; pass a prom-client
   * Counter with those label names. Defaults to none.
   */
  errorCounter?: CounterLike;
}

/**
 * A shared store with a documented policy for when it is unreachable. Failing open keeps
 * serving with a per-process limit (each instance enforces the full limit on its own, so N
 * instances may admit up to N× while the primary is down); failing closed answers 503.
 *
 * @example
 * const store = new FallbackLimitStore({ primary: new RedisLimitStore({ client }), policy: 'open',
 *   onStoreError: (err, info) => log.warn({ err, ...info }, 'rate-limit store unavailable') });
 */
export class FallbackLimitStore implements LimitStore {
  readonly #primary: LimitStore;
  readonly #fallback: LimitStore;
  readonly #policy: StoreErrorPolicy;
  readonly #onError?: FallbackLimitStoreOptions['onStoreError'];
  readonly #counter?: CounterLike;

  constructor(options: FallbackLimitStoreOptions) {
    if (!options?.primary) throw new TypeError('FallbackLimitStore: options.primary is required');
    const policy = options.policy ?? 'open';
    if (policy !== 'open' && policy !== 'closed') throw new TypeError(`FallbackLimitStore: policy must be 'open' or 'closed', got ${String(policy)}`);
    this.#primary = options.primary;
    this.#fallback = options.fallback ?? new MemoryLimitStore();
    this.#policy = policy;
    this.#onError = options.onStoreError;
    this.#counter = options.errorCounter;
  }

  async reserve(input: ReserveInput): Promise<Decision> {
    try {
      return await this.#primary.reserve(input);
    } catch (err) {
      this.#report(err, 'reserve', input.key);
      if (this.#policy === 'closed') {
        throw new GatewayError('Rate limiting is temporarily unavailable', {
          status: 503,
          code: 'rate_limit_unavailable',
          headers: { 'retry-after': '1' },
          retryable: true,
          cause: err,
        });
      }
      return { ...(await this.#fallback.reserve(input)), fallback: true };
    }
  }

  async settle(input: SettleInput): Promise<void> {
    if (input.fallback) return this.#fallback.settle(input);
    try {
      await this.#primary.settle(input);
    } catch (err) {
      // The reservation stays in the primary until its bucket ages out (and its lease expires):
      // over-counting is the safe side of a lost settlement.
      this.#report(err, 'settle', input.key);
    }
  }

  async renew(input: RenewInput): Promise<void> {
    if (input.fallback) return this.#fallback.renew(input);
    try {
      await this.#primary.renew(input);
    } catch (err) {
      // The lease runs out at its end unless a later renewal gets through: the slot is then
      // freed early, the safe side for a key that could otherwise be locked out.
      this.#report(err, 'renew', input.key);
    }
  }

  async usage(key: string, now: number, tokenWindow: WindowSpec, requestWindow: WindowSpec): Promise<UsageSnapshot> {
    try {
      return await this.#primary.usage(key, now, tokenWindow, requestWindow);
    } catch (err) {
      this.#report(err, 'usage', key);
      return this.#fallback.usage(key, now, tokenWindow, requestWindow);
    }
  }

  #report(err: unknown, operation: StoreErrorInfo['operation'], key: string): void {
    try {
      this.#counter?.inc({ operation, policy: this.#policy });
      this.#onError?.(err, { operation, policy: this.#policy, key });
    } catch {
      // Reporting must never turn a degraded decision into a failed request.
    }
  }
}
