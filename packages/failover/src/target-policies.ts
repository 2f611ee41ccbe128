import { BrokenCircuitError, CircuitState, ConstantBackoff, circuitBreaker, handleWhen, retry, wrap, type CircuitBreakerPolicy, type IPolicy } from 'cockatiel';
import type { EventBus, FailureKind, Logger, ModelLabel, Target } from '@switchyard/core';
import { isProviderError } from '@switchyard/providers';
import { HybridBreaker, type HybridBreakerSettings } from './hybrid-breaker.js';
import type { SharedFlags } from './shared-state.js';

/** Circuit-breaker settings. */
export interface BreakerSettings extends HybridBreakerSettings {
  /** How long an open circuit stays open before a probe is let through. */
  coolDownMs: number;
  /** Failure kinds that count against a target's health. */
  countKinds: ReadonlySet<FailureKind>;
  /** Which breaker a target uses: one per (provider, label). */
  modelLabel: ModelLabel;
}

/** Errors the shared retry policy retries: marked by the per-request decision. */
const RETRY_MARKED = new WeakSet<object>();
export function markForRetry(err: object, retry: boolean): void {
  if (retry) RETRY_MARKED.add(err);
  else RETRY_MARKED.delete(err);
}

/** The shared resilience state of one (provider, model) target. */
export interface TargetEntry {
  readonly key: string;
  readonly target: Target;
  readonly breaker: CircuitBreakerPolicy;
  /** `wrap(retry, circuitBreaker)`, built once; each attempt's deadline runs inside (attempt-deadline.ts). */
  readonly policy: IPolicy;
  openUntil?: number;
  cooldownUntil?: number;
}

/** Breaker state of one target, for the admin API. */
export interface BreakerSnapshot {
  provider: string;
  model: string;
  state: 'closed' | 'open' | 'half_open';
  openUntil?: number;
  cooldownUntil?: number;
  /** Set when the state is another instance's, read from the shared store (routing honours it). */
  shared?: true;
}

/** Why a target is skipped without a request. */
export interface SkipReason {
  reason: 'circuit_open' | 'cooling_down';
  untilMs: number;
}

/**
 * One cockatiel policy per (provider, model), built on first use and shared by every request
 * (a breaker created per request never opens).
 */
export class TargetPolicies {
  readonly #entries = new Map<string, TargetEntry>();

  constructor(
    private readonly settings: BreakerSettings,
    private readonly events: EventBus | undefined,
    private readonly now: () => number,
    private readonly shared: SharedFlags | undefined,
    private readonly logger: Logger,
  ) {}

  entry(target: Target): TargetEntry {
    // Models outside the catalog share one breaker per provider: a client naming new models
    // must not grow this map (or the shared store) without bound.
    const model = this.settings.modelLabel(target.provider, target.model);
    const key = `${target.provider}:${model}`;
    const existing = this.#entries.get(key);
    if (existing) return existing;
    const plain: Target = { provider: target.provider, model };
    const countKinds = this.settings.countKinds;
    const breaker = circuitBreaker(
      // A request that was never sent says nothing about the target.
      handleWhen((err) => isProviderError(err) && !err.notSent && countKinds.has(err.failureKind)),
      { halfOpenAfter: this.settings.coolDownMs, breaker: new HybridBreaker(this.settings) },
    );
    const retryPolicy = retry(
      handleWhen((err) => RETRY_MARKED.has(err)),
      { maxAttempts: 1000, backoff: new ConstantBackoff(0) },
    );
    const created: TargetEntry = { key, target: plain, breaker, policy: wrap(retryPolicy, breaker) };
    breaker.onBreak(() => {
      const until = this.now() + this.settings.coolDownMs;
      created.openUntil = until;
      this.events?.emit('breaker.open', { target: plain });
      this.shared?.set(`breaker:${key}`, until, this.settings.coolDownMs).catch((err) => this.#storeFailed(err));
    });
    breaker.onHalfOpen(() => this.events?.emit('breaker.half_open', { target: plain }));
    breaker.onReset(() => {
      created.openUntil = undefined;
      this.events?.emit('breaker.close', { target: plain });
      this.shared?.delete(`breaker:${key}`).catch((err) => this.#storeFailed(err));
    });
    this.#entries.set(key, created);
    return created;
  }

  /** Whether the target must be skipped without a request, and until when. */
  async skipReason(entry: TargetEntry): Promise<SkipReason | undefined> {
    const now = this.now();
    const state = entry.breaker.state;
    if (state === CircuitState.HalfOpen) return { reason: 'circuit_open', untilMs: now }; // a probe is in flight
    if (state === CircuitState.Open && entry.openUntil !== undefined && now < entry.openUntil) {
      return { reason: 'circuit_open', untilMs: entry.openUntil };
    }
    if (entry.cooldownUntil !== undefined && now < entry.cooldownUntil) return { reason: 'cooling_down', untilMs: entry.cooldownUntil };
    if (this.shared && state === CircuitState.Closed) {
      try {
        const [open, cool] = await Promise.all([this.shared.get(`breaker:${entry.key}`), this.shared.get(`cooldown:${entry.key}`)]);
        if (open !== undefined && now < open) return { reason: 'circuit_open', untilMs: open };
        if (cool !== undefined && now < cool) return { reason: 'cooling_down', untilMs: cool };
      } catch (err) {
        this.#storeFailed(err); // a store outage must not take routing down: fall back to local state
      }
    }
    return undefined;
  }

  /** Keep a target that answered 429 with Retry-After out of rotation for that long. */
  cooldown(entry: TargetEntry, ms: number): void {
    if (!(ms > 0)) return;
    const until = this.now() + ms;
    entry.cooldownUntil = Math.max(entry.cooldownUntil ?? 0, until);
    this.shared?.set(`cooldown:${entry.key}`, until, ms).catch((err) => this.#storeFailed(err));
  }

  /**
   * Count a failure that happened outside the policy (a stream cut after the first byte), so a
   * provider that keeps cutting streams still opens its circuit.
   */
  recordFailure(entry: TargetEntry, err: unknown): void {
    if (entry.breaker.state !== CircuitState.Closed) return;
    entry.breaker.execute(() => Promise.reject(err)).catch(() => undefined);
  }

  snapshot(): BreakerSnapshot[] {
    return [...this.#entries.values()].map((e) => this.#snapshotOf(e));
  }

  /**
   * The state routing acts on for one target ({@link skipReason}'s view): this instance's
   * breaker and cool-down, or, while those let traffic through, an opening or cool-down another
   * instance shared. A target never seen here is closed unless the shared store says otherwise.
   */
  async routingState(target: Target): Promise<BreakerSnapshot> {
    const entry = this.#entries.get(`${target.provider}:${target.model}`);
    const local: BreakerSnapshot = entry ? this.#snapshotOf(entry) : { provider: target.provider, model: target.model, state: 'closed' };
    if (!this.shared || local.state !== 'closed') return local;
    const key = `${target.provider}:${target.model}`;
    let open: number | undefined;
    let cool: number | undefined;
    try {
      [open, cool] = await Promise.all([this.shared.get(`breaker:${key}`), this.shared.get(`cooldown:${key}`)]);
    } catch (err) {
      this.#storeFailed(err); // routing falls back to local state too
      return local;
    }
    const now = this.now();
    if (open !== undefined && now < open) return { ...local, state: 'open', openUntil: open, shared: true };
    if (local.cooldownUntil === undefined && cool !== undefined && now < cool) return { ...local, cooldownUntil: cool, shared: true };
    return local;
  }

  #snapshotOf(e: TargetEntry): BreakerSnapshot {
    return {
      provider: e.target.provider,
      model: e.target.model,
      state:
        e.breaker.state === CircuitState.Open || e.breaker.state === CircuitState.Isolated
          ? 'open'
          : e.breaker.state === CircuitState.HalfOpen
            ? 'half_open'
            : 'closed',
      ...(e.openUntil !== undefined ? { openUntil: e.openUntil } : {}),
      ...(e.cooldownUntil !== undefined && e.cooldownUntil > this.now() ? { cooldownUntil: e.cooldownUntil } : {}),
    };
  }

  #storeFailed(err: unknown): void {
    this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'failover: shared breaker store failed');
  }
}

export function isBrokenCircuit(err: unknown): boolean {
  return err instanceof BrokenCircuitError || (err as { isBrokenCircuitError?: boolean })?.isBrokenCircuitError === true;
}
