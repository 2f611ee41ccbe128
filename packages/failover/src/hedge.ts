/**
 * Hedged requests: when a stream's target has not produced its first event after a while,
 * the next target is started in parallel and the first to answer wins. This file holds the
 * shared state (each target's observed time to first token, and the hedge budget); the race
 * itself is run by the executor.
 */

/** When to hedge, and how much extra traffic hedging may add. */
export interface HedgeOptions {
  /**
   * Start the next target when the first has sent no event after this many ms, or after the
   * given percentile of that target's observed time to first token (`'p95'`). Required.
   */
  after: number | `p${number}`;
  /** Hedges as a share of all upstream requests over the last minute. Defaults to 0.1. */
  budget?: number;
  /** Hedges allowed in any minute whatever the share (low traffic could hedge never otherwise). Defaults to 2. */
  minPerMinute?: number;
  /** With a percentile: observed first tokens a target needs before it is hedged. Defaults to 20. */
  minSamples?: number;
}

/** The resolved hedge settings. */
export interface HedgeSettings {
  fixedMs?: number;
  percentile?: number;
  budget: number;
  minPerMinute: number;
  minSamples: number;
}

/** Check {@link HedgeOptions} once, at start-up. */
export function resolveHedge(options: HedgeOptions | undefined): HedgeSettings | undefined {
  if (options === undefined) return undefined;
  const { after } = options;
  let fixedMs: number | undefined;
  let percentile: number | undefined;
  if (typeof after === 'number' && Number.isFinite(after) && after > 0) fixedMs = after;
  else if (typeof after === 'string' && /^p\d{1,2}(\.\d+)?$/.test(after)) percentile = Number(after.slice(1)) / 100;
  else throw new TypeError('failover: hedge.after must be a positive number of ms or a percentile such as "p95"');
  const budget = options.budget ?? 0.1;
  if (!(budget >= 0 && budget <= 1)) throw new TypeError('failover: hedge.budget must be in [0, 1]');
  const minPerMinute = options.minPerMinute ?? 2;
  const minSamples = options.minSamples ?? 20;
  if (!Number.isInteger(minPerMinute) || minPerMinute < 0) throw new TypeError('failover: hedge.minPerMinute must be a non-negative integer');
  if (!Number.isInteger(minSamples) || minSamples < 1) throw new TypeError('failover: hedge.minSamples must be a positive integer');
  return { fixedMs, percentile, budget, minPerMinute, minSamples };
}

const SAMPLES = 128;

/** Counts over the last minute, in one-second buckets. */
class MinuteCounter {
  readonly #counts = new Int32Array(60);
  readonly #stamps = new Float64Array(60).fill(-1);

  add(nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    const i = second % 60;
    if (this.#stamps[i] !== second) {
      this.#stamps[i] = second;
      this.#counts[i] = 0;
    }
    this.#counts[i]!++;
  }

  total(nowMs: number): number {
    const second = Math.floor(nowMs / 1000);
    let sum = 0;
    for (let i = 0; i < 60; i++) if (this.#stamps[i]! > second - 60) sum += this.#counts[i]!;
    return sum;
  }
}

/** Shared by every request of one executor. */
export class HedgeState {
  readonly #ttft = new Map<string, { values: number[]; next: number }>();
  readonly #requests = new MinuteCounter();
  readonly #hedges = new MinuteCounter();

  constructor(
    private readonly settings: HedgeSettings,
    private readonly now: () => number,
  ) {}

  /** One upstream request was made (hedges included): the budget's base. */
  counted(): void {
    this.#requests.add(this.now());
  }

  /** A stream attempt's time to first event at `key`. */
  observe(key: string, ttftMs: number): void {
    let s = this.#ttft.get(key);
    if (!s) this.#ttft.set(key, (s = { values: [], next: 0 }));
    if (s.values.length < SAMPLES) s.values.push(ttftMs);
    else s.values[s.next] = ttftMs;
    s.next = (s.next + 1) % SAMPLES;
  }

  /** How long to wait for `key`'s first event before hedging, or undefined (no hedge yet). */
  delayFor(key: string): number | undefined {
    const { fixedMs, percentile, minSamples } = this.settings;
    if (fixedMs !== undefined) return fixedMs;
    const values = this.#ttft.get(key)?.values;
    if (!values || values.length < minSamples) return undefined;
    const sorted = [...values].sort((a, b) => a - b);
    return Math.max(1, sorted[Math.min(sorted.length - 1, Math.ceil(percentile! * sorted.length) - 1)]!);
  }

  /** Take one hedge from the budget, or false when the minute's share is spent. */
  take(): boolean {
    const now = this.now();
    const hedges = this.#hedges.total(now);
    const allowed = Math.max(this.settings.minPerMinute, Math.floor(this.settings.budget * this.#requests.total(now)));
    if (hedges >= allowed) return false;
    this.#hedges.add(now);
    return true;
  }
}
