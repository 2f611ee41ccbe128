import { SampleRing, type EventBus, type GatewayEvents } from '@switchyard/core';

/** Options of {@link ProviderPerformance}. */
export interface ProviderPerformanceOptions {
  /** Only attempts that ended within this window count, in ms. Defaults to 15 minutes. */
  windowMs?: number;
  /** Most recent attempts kept per provider. Defaults to 2000. */
  maxSamples?: number;
  /** Clock in ms. Defaults to Date.now. */
  now?: () => number;
}

/** Performance of one provider over the recent window. */
export interface ProviderStats {
  provider: string;
  attempts: number;
  successRate: number | null;
  avgLatencyMs: number | null;
  p95LatencyMs: number | null;
  inFlight: number;
}

/**
 * Recent latency, success rate and in-flight load per provider, from attempt events, for the
 * admin API (`/providers/performance`). In memory, per process: each instance reports its own.
 *
 * @example
 * const perf = new ProviderPerformance(); perf.subscribe(events); perf.snapshot()
 */
export class ProviderPerformance {
  readonly #windowMs: number;
  readonly #max: number;
  readonly #now: () => number;
  /** Per provider: time, latency ms, 1 for success (a {@link SampleRing}: no object per attempt). */
  readonly #samples = new Map<string, SampleRing>();
  readonly #inflight = new Map<string, number>();

  constructor(options: ProviderPerformanceOptions = {}) {
    this.#windowMs = options.windowMs ?? 15 * 60_000;
    this.#max = options.maxSamples ?? 2000;
    this.#now = options.now ?? Date.now;
    if (!(this.#windowMs > 0) || !(this.#max > 0)) throw new TypeError('ProviderPerformance: windowMs and maxSamples must be positive');
  }

  /** Follow `attempt.start` / `attempt.end` on an event bus. Returns an unsubscribe function. */
  subscribe(events: EventBus<GatewayEvents>): () => void {
    const offs = [
      events.on('attempt.start', ({ attempt }) => this.started(attempt.target.provider)),
      events.on('attempt.end', ({ attempt }) =>
        attempt.outcome === 'rejected'
          ? this.rejected(attempt.target.provider)
          : this.ended(attempt.target.provider, (attempt.endedAt ?? this.#now()) - attempt.startedAt, attempt.outcome === 'success'),
      ),
    ];
    return () => offs.forEach((off) => off());
  }

  started(provider: string): void {
    this.#inflight.set(provider, (this.#inflight.get(provider) ?? 0) + 1);
  }

  /** An attempt that never reached the provider (the request could not be sent): no sample. */
  rejected(provider: string): void {
    this.#inflight.set(provider, Math.max(0, (this.#inflight.get(provider) ?? 0) - 1));
  }

  ended(provider: string, latencyMs: number, ok: boolean): void {
    this.#inflight.set(provider, Math.max(0, (this.#inflight.get(provider) ?? 0) - 1));
    let list = this.#samples.get(provider);
    if (!list) this.#samples.set(provider, (list = new SampleRing(this.#max)));
    list.push(this.#now(), latencyMs, ok ? 1 : 0);
  }

  /** Stats of every provider seen, sorted by name. */
  snapshot(): ProviderStats[] {
    const since = this.#now() - this.#windowMs;
    const names = new Set([...this.#samples.keys(), ...this.#inflight.keys()]);
    return [...names].sort().map((provider) => {
      const latencies: number[] = [];
      let successes = 0;
      const ring = this.#samples.get(provider);
      for (let i = 0; ring && i < ring.size; i++) {
        if (ring.time(i) < since) continue;
        latencies.push(ring.value(i, 0));
        successes += ring.value(i, 1);
      }
      latencies.sort((a, b) => a - b);
      const n = latencies.length;
      return {
        provider,
        attempts: n,
        successRate: n ? successes / n : null,
        avgLatencyMs: n ? latencies.reduce((a, b) => a + b, 0) / n : null,
        // Nearest-rank p95.
        p95LatencyMs: n ? latencies[Math.ceil(0.95 * n) - 1]! : null,
        inFlight: this.#inflight.get(provider) ?? 0,
      };
    });
  }
}
