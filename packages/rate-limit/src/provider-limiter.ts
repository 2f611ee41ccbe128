import { randomUUID } from 'node:crypto';
import type { Target, Usage } from '@switchyard/core';
import { FallbackLimitStore, type CounterLike, type StoreErrorInfo, type StoreErrorPolicy } from './fallback-store.js';
import { LeaseKeeper } from './lease-keeper.js';
import { MemoryLimitStore } from './memory-store.js';
import type { CounterLimits, LimitStore, WindowSpec } from './store.js';
import { parseUpstreamHeadroom, type HeaderSource, type UpstreamHeadroom } from './upstream-headers.js';

/** One provider's or model's limits, as in the config's `rate_limit:` block. */
export interface TargetRateLimit {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  concurrentRequests?: number;
}

/** Options of {@link ProviderLimiter}. */
export interface ProviderLimiterOptions {
  /** Limits by configured provider name. Defaults to none. */
  providers?: Record<string, TargetRateLimit>;
  /** Limits by `provider/model` (or bare upstream model name, applied on every provider). Defaults to none. */
  models?: Record<string, TargetRateLimit>;
  /** Where counters live; a RedisLimitStore shares them between instances. Defaults to a new MemoryLimitStore. */
  store?: LimitStore;
  /** Policy while a given `store` fails. Defaults to `open`. */
  onStoreError?: StoreErrorPolicy;
  /** Called on every store failure. Defaults to none. */
  reportStoreError?: (error: unknown, info: StoreErrorInfo) => void;
  /** prom-client Counter (labels `operation`, `policy`). Defaults to none. */
  storeErrorCounter?: CounterLike;
  /**
   * How long a concurrency slot lives without renewal; a running request renews it every third
   * of this, so a crashed instance's slots free up within one lease. Defaults to 30000.
   */
  leaseMs?: number;
  /** Clock in ms. Defaults to Date.now. */
  now?: () => number;
}

/** The outcome of {@link ProviderLimiter.tryAcquire}. */
export interface ProviderLease {
  ok: boolean;
  /** When not ok: ms until the target should have room. */
  retryAfterMs: number;
  /** Which limit was full (`openai: requests_per_minute`, `upstream tokens`, …). */
  reason?: string;
  /**
   * Settle the lease with the real usage (or none: nothing was consumed). `notSent`: the request
   * never left for this target (refused before it was sent), so it is taken back out of the
   * requests-per-minute count too. Idempotent.
   */
  release(usage?: Pick<Usage, 'inputTokens' | 'outputTokens'> & Partial<Usage>, how?: { notSent?: boolean }): Promise<void>;
}

const MINUTE: WindowSpec = { windowMs: 60_000, bucketMs: 1_000 };
const NOOP_LEASE: ProviderLease = { ok: true, retryAfterMs: 0, release: async () => {} };

/**
 * Per-provider and per-model limits (`requests_per_minute`, `tokens_per_minute`,
 * `concurrent_requests`) on a rolling minute, plus the headroom upstreams report in their
 * rate-limit headers. The executor calls {@link tryAcquire} before each target and skips a full
 * one (failing over to the next); {@link providerLimits} is the middleware form.
 *
 * @example
 * const limiter = new ProviderLimiter({ providers: { openai: { requestsPerMinute: 500, tokensPerMinute: 90_000 } } });
 * const lease = await limiter.tryAcquire({ provider: 'openai', model: 'gpt-4o' }, 1500);
 * if (lease.ok) { const res = await call(); limiter.observeHeaders('openai', res.headers); await lease.release(usage); }
 */
export class ProviderLimiter {
  readonly #providers: Map<string, CounterLimits>;
  readonly #models: Map<string, CounterLimits>;
  readonly #store: LimitStore;
  readonly #leaseMs: number;
  readonly #now: () => number;
  readonly #leases: LeaseKeeper;
  /** Upstream-reported headroom, per provider and per provider/model (each instance learns from its own responses). */
  readonly #observed = new Map<string, UpstreamHeadroom>();

  constructor(options: ProviderLimiterOptions = {}) {
    this.#providers = toLimits('providers', options.providers);
    this.#models = toLimits('models', options.models);
    const policy = options.onStoreError ?? 'open';
    this.#store =
      options.store === undefined || options.store instanceof MemoryLimitStore || options.store instanceof FallbackLimitStore
        ? (options.store ?? new MemoryLimitStore())
        : new FallbackLimitStore({ primary: options.store, policy, onStoreError: options.reportStoreError, errorCounter: options.storeErrorCounter });
    this.#leaseMs = options.leaseMs ?? 30_000;
    if (!(Number.isInteger(this.#leaseMs) && this.#leaseMs > 0)) throw new TypeError('ProviderLimiter: leaseMs must be a positive integer');
    this.#now = options.now ?? Date.now;
    this.#leases = new LeaseKeeper(this.#store, this.#leaseMs, this.#now);
  }

  /** Whether any configured limit or upstream observation applies to the target. */
  governs(target: Target): boolean {
    return this.#scopes(target).length > 0 || this.#observed.has(target.provider) || this.#observed.has(`${target.provider}/${target.model}`);
  }

  /**
   * Take a slot on the target if every limit (provider, model, upstream headroom) has room for
   * one more request of `estimateTokens`; otherwise `ok: false` and nothing is held.
   */
  async tryAcquire(target: Target, estimateTokens: number): Promise<ProviderLease> {
    return this.#acquire(target, estimateTokens, 'reserve');
  }

  /** Whether {@link tryAcquire} would succeed now, without taking anything. */
  async hasRoom(target: Target, estimateTokens: number): Promise<{ ok: boolean; retryAfterMs: number; reason?: string }> {
    const { ok, retryAfterMs, reason } = await this.#acquire(target, estimateTokens, 'peek');
    return { ok, retryAfterMs, reason };
  }

  /** Book a request that was sent without a lease (counted whatever the limits say). */
  async record(target: Target, usage: { inputTokens: number; outputTokens: number }): Promise<void> {
    const now = this.#now();
    for (const { key, limits } of this.#scopes(target)) {
      await this.#store.reserve({ ...this.#base(key, limits, now), inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, mode: 'force' });
    }
  }

  /**
   * Update the local view of a provider's headroom from its response headers
   * (`x-ratelimit-remaining-*`, `anthropic-ratelimit-*`, `retry-after`). Pass a Target to
   * scope the view to one model (OpenAI limits are per model).
   */
  observeHeaders(provider: string | Target, headers: HeaderSource): void {
    const scope = typeof provider === 'string' ? provider : `${provider.provider}/${provider.model}`;
    const seen = parseUpstreamHeadroom(headers, this.#now());
    if (!seen.requests && !seen.tokens && seen.blockedUntil === undefined) return;
    this.#observed.set(scope, { ...this.#observed.get(scope), ...seen });
  }

  async #acquire(target: Target, estimateTokens: number, mode: 'reserve' | 'peek'): Promise<ProviderLease> {
    const now = this.#now();
    const upstream = this.#checkObserved(target, estimateTokens, now, mode === 'reserve');
    if (upstream) return { ok: false, ...upstream, release: NOOP_LEASE.release };
    const scopes = this.#scopes(target);
    if (scopes.length === 0) return NOOP_LEASE;
    const held: Array<{ key: string; id: string; fallback?: boolean; concurrent: boolean }> = [];
    const id = randomUUID();
    const tokens = Math.max(0, Math.ceil(estimateTokens));
    for (const { key, limits, label } of scopes) {
      const decision = await this.#store.reserve({ ...this.#base(key, limits, now), id, inputTokens: tokens, outputTokens: 0, mode });
      if (!decision.allowed) {
        // Undo the scopes already taken so a refused target holds nothing, its request included.
        await Promise.all(held.map((h) => this.#settle(h.key, h.id, now, tokens, 0, true)));
        const what =
          decision.rejectedBy === 'totalTokens' ? 'tokens_per_minute' : decision.rejectedBy === 'concurrent' ? 'concurrent_requests' : 'requests_per_minute';
        return { ok: false, retryAfterMs: decision.retryAfterMs, reason: `${label}: ${what}`, release: NOOP_LEASE.release };
      }
      if (mode === 'reserve') held.push({ key, id, fallback: decision.fallback, concurrent: limits.concurrent !== undefined });
    }
    if (mode === 'peek') return NOOP_LEASE;
    for (const h of held) if (h.concurrent) this.#leases.hold(h);
    let released = false;
    return {
      ok: true,
      retryAfterMs: 0,
      release: async (usage, how) => {
        if (released) return;
        released = true;
        for (const h of held) this.#leases.release(h.key, h.id);
        const used = usage ? usage.inputTokens + (usage.cacheReadTokens ?? 0) + (usage.cacheWriteTokens ?? 0) + usage.outputTokens : 0;
        await Promise.all(held.map((h) => this.#settle(h.key, h.id, now, tokens, used, how?.notSent === true)));
      },
    };
  }

  #checkObserved(target: Target, tokens: number, now: number, take: boolean): { retryAfterMs: number; reason: string } | undefined {
    for (const scope of [target.provider, `${target.provider}/${target.model}`]) {
      const seen = this.#observed.get(scope);
      if (!seen) continue;
      if (seen.blockedUntil !== undefined && seen.blockedUntil > now)
        return { retryAfterMs: seen.blockedUntil - now, reason: `${scope}: upstream retry-after` };
      if (seen.requests && seen.requests.resetAt > now && seen.requests.remaining < 1) {
        return { retryAfterMs: seen.requests.resetAt - now, reason: `${scope}: upstream requests` };
      }
      if (seen.tokens && seen.tokens.resetAt > now && seen.tokens.remaining < tokens) {
        return { retryAfterMs: seen.tokens.resetAt - now, reason: `${scope}: upstream tokens` };
      }
    }
    if (take) {
      // Spend the observed headroom locally until the next response refreshes it.
      for (const scope of [target.provider, `${target.provider}/${target.model}`]) {
        const seen = this.#observed.get(scope);
        if (seen?.requests && seen.requests.resetAt > now) seen.requests.remaining -= 1;
        if (seen?.tokens && seen.tokens.resetAt > now) seen.tokens.remaining -= tokens;
      }
    }
    return undefined;
  }

  #scopes(target: Target): Array<{ key: string; limits: CounterLimits; label: string }> {
    const out: Array<{ key: string; limits: CounterLimits; label: string }> = [];
    const p = this.#providers.get(target.provider);
    if (p) out.push({ key: `p:${target.provider}`, limits: p, label: target.provider });
    const qualified = `${target.provider}/${target.model}`;
    const m = this.#models.get(qualified) ?? this.#models.get(target.model);
    if (m) out.push({ key: `m:${qualified}`, limits: m, label: qualified });
    return out;
  }

  #base(key: string, limits: CounterLimits, now: number) {
    return { key, id: randomUUID(), now, tokenWindow: MINUTE, requestWindow: MINUTE, limits, leaseMs: this.#leaseMs };
  }

  async #settle(key: string, id: string, reservedAt: number, reserved: number, used: number, notSent = false): Promise<void> {
    await this.#store.settle({
      ...(notSent ? { refundRequestIn: MINUTE } : {}),
      key,
      id,
      now: this.#now(),
      reservedAt,
      tokenWindow: MINUTE,
      reserved: { inputTokens: reserved, outputTokens: 0 },
      actual: { inputTokens: used, outputTokens: 0 },
    });
  }
}

function toLimits(name: string, table: Record<string, TargetRateLimit> | undefined): Map<string, CounterLimits> {
  const out = new Map<string, CounterLimits>();
  for (const [scope, l] of Object.entries(table ?? {})) {
    for (const [field, v] of Object.entries(l ?? {})) {
      if (!['requestsPerMinute', 'tokensPerMinute', 'concurrentRequests'].includes(field)) {
        throw new TypeError(`ProviderLimiter: ${name}.${scope}.${field} is not a known limit`);
      }
      if (v !== undefined && !(Number.isSafeInteger(v) && (v as number) >= 0)) {
        throw new TypeError(`ProviderLimiter: ${name}.${scope}.${field} must be a non-negative integer`);
      }
    }
    const limits: CounterLimits = { requests: l.requestsPerMinute, totalTokens: l.tokensPerMinute, concurrent: l.concurrentRequests };
    if (Object.values(limits).some((v) => v !== undefined)) out.set(scope, limits);
  }
  return out;
}

/**
 * Read the providers' `rate_limit:` blocks of the config file (snake_case) into the
 * `providers` option.
 * @example providerLimitsFromConfig([{ name: 'openai', rate_limit: { requests_per_minute: 500 } }])
 */
export function providerLimitsFromConfig(
  providers: Array<{ name: string; rate_limit?: { requests_per_minute?: number; tokens_per_minute?: number; concurrent_requests?: number } }>,
): Record<string, TargetRateLimit> {
  const out: Record<string, TargetRateLimit> = {};
  for (const p of providers) {
    if (!p.rate_limit) continue;
    out[p.name] = {
      requestsPerMinute: p.rate_limit.requests_per_minute,
      tokensPerMinute: p.rate_limit.tokens_per_minute,
      concurrentRequests: p.rate_limit.concurrent_requests,
    };
  }
  return out;
}
