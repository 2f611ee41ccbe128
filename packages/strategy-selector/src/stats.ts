import { everyModel, parseDuration, SampleRing, type Attempt, type EventBus, type GatewayEvents, type ModelLabel, type Target } from '@switchyard/core';

/** Which measurement a latency percentile is over. */
export type LatencyMetric = 'latency' | 'ttft';

/** Options of {@link RoutingStats}. */
export interface RoutingStatsOptions {
  /** Clock in ms. Defaults to Date.now. */
  now?: () => number;
  /** Longest window kept, in ms. Defaults to 300000 (5 minutes). */
  windowMs?: number;
  /** Most samples kept per target (oldest dropped first). Defaults to 1000. */
  maxSamples?: number;
  /** The name a target's series is kept under (models outside a catalog in one bucket). Defaults to the model as is. */
  modelLabel?: ModelLabel;
}

interface Series {
  /** Time, latency ms, time to first token ms (NaN: none): a {@link SampleRing}, no object per attempt. */
  samples: SampleRing;
  inFlight: number;
}

/**
 * Live routing statistics per target: latency and time-to-first-token samples over a sliding
 * window, and requests in flight. Fed by the core EventBus (`attempt.start` / `attempt.end`)
 * or directly; read by the latency and least-busy strategies. In-process: each instance
 * measures what it sees, which is what latency routing wants.
 *
 * @example
 * const stats = new RoutingStats();
 * stats.attach(events);
 * stats.percentile({ provider: 'openai', model: 'gpt-4' }, 95, 'ttft');
 */
export class RoutingStats {
  readonly #now: () => number;
  readonly #windowMs: number;
  readonly #maxSamples: number;
  readonly #label: ModelLabel;
  /** By provider, then model label: no key string built (and hashed) per attempt. */
  readonly #series = new Map<string, Map<string, Series>>();
  readonly #open = new WeakSet<Attempt>();

  constructor(options: RoutingStatsOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#windowMs = options.windowMs ?? 300_000;
    this.#maxSamples = options.maxSamples ?? 1000;
    this.#label = options.modelLabel ?? everyModel;
    if (!(this.#windowMs > 0)) throw new TypeError('RoutingStats: windowMs must be > 0');
    if (!Number.isInteger(this.#maxSamples) || this.#maxSamples < 1) throw new TypeError('RoutingStats: maxSamples must be an integer >= 1');
  }

  /** Subscribe to an EventBus's attempt events; returns the unsubscribe function. */
  attach(events: EventBus<GatewayEvents>): () => void {
    const offStart = events.on('attempt.start', ({ attempt }) => this.attemptStarted(attempt));
    const offEnd = events.on('attempt.end', ({ attempt }) => this.attemptEnded(attempt));
    return () => {
      offStart();
      offEnd();
    };
  }

  /** An attempt began: one more in flight. */
  attemptStarted(attempt: Attempt): void {
    if (this.#open.has(attempt)) return;
    this.#open.add(attempt);
    this.#get(attempt.target).inFlight++;
  }

  /**
   * An attempt ended: one fewer in flight, and a sample when it succeeded or timed out
   * (a timeout is a slow answer, the signal latency routing most needs).
   */
  attemptEnded(attempt: Attempt): void {
    const series = this.#get(attempt.target);
    if (this.#open.delete(attempt)) series.inFlight = Math.max(0, series.inFlight - 1);
    const end = attempt.endedAt ?? this.#now();
    if (attempt.outcome === 'success' || attempt.failureKind === 'timeout') {
      const ttft = attempt.firstByteAt !== undefined ? attempt.firstByteAt - attempt.startedAt : undefined;
      this.record(attempt.target, end - attempt.startedAt, ttft, end);
    }
  }

  /** Record one measurement directly (ms). */
  record(target: Target, latencyMs: number, ttftMs?: number, at = this.#now()): void {
    const series = this.#get(target);
    series.samples.push(at, latencyMs, ttftMs ?? Number.NaN);
  }

  /**
   * The p-th percentile (nearest rank) of a metric over the last `windowMs`, or undefined when
   * there is no sample in the window.
   */
  percentile(target: Target, p: number, metric: LatencyMetric = 'latency', windowMs = this.#windowMs): number | undefined {
    const series = this.#find(target);
    if (!series) return undefined;
    const since = this.#now() - Math.min(windowMs, this.#windowMs);
    const expired = this.#now() - this.#windowMs;
    const samples = series.samples;
    while (samples.size > 0 && samples.time(0) <= expired) samples.shift();
    const column = metric === 'ttft' ? 1 : 0;
    const values: number[] = [];
    for (let i = 0; i < samples.size; i++) {
      if (samples.time(i) <= since) continue;
      const v = samples.value(i, column);
      if (!Number.isNaN(v)) values.push(v);
    }
    if (values.length === 0) return undefined;
    values.sort((a, b) => a - b);
    const rank = Math.min(values.length, Math.max(1, Math.ceil((p / 100) * values.length)));
    return values[rank - 1];
  }

  /** Requests in flight to a target. */
  inFlight(target: Target): number {
    return this.#find(target)?.inFlight ?? 0;
  }

  #find(target: Target): Series | undefined {
    return this.#series.get(target.provider)?.get(this.#label(target.provider, target.model));
  }

  #get(target: Target): Series {
    let models = this.#series.get(target.provider);
    if (!models) this.#series.set(target.provider, (models = new Map()));
    const model = this.#label(target.provider, target.model);
    let series = models.get(model);
    if (!series) models.set(model, (series = { samples: new SampleRing(this.#maxSamples), inFlight: 0 }));
    return series;
  }
}

/**
 * Parse a window like `5m`, `30s`, `250ms`, `1h` or a number of ms (longer than 0), with core's
 * duration reader.
 * @example parseLatencyWindow('5m') // 300000
 */
export function parseLatencyWindow(value: unknown, path = 'duration'): number {
  return parseDuration(value, { path, min: 1 });
}
