/**
 * The cap on a background model's use: a share of traffic and a daily budget in USD (UTC days),
 * one budget across every process that shares a key-value store.
 * @module
 */
import type { KeyValueStore } from '@switchyard/core';

const DAY_MS = 86_400_000;
/** Spend is added up in the store in nano-dollars: `increment` takes integers (Redis INCRBY). */
const NANO = 1e9;
/** Longest wait for the shared total: a store that is down must not hold up a classification. */
const REFRESH_TIMEOUT_MS = 250;

/** Limits of {@link SpendCap}. */
export interface SpendCapOptions {
  /** Share of requests (0..1) that may use the model. Defaults to 1. */
  maxShare?: number;
  /** USD per UTC day; once spent, the model is not called until the next day. Defaults to no limit. */
  dailyBudgetUsd?: number;
  random: () => number;
  now: () => number;
  /**
   * Where instances add up the day's spend (the gateway's shared store: the primary process for
   * `--workers`, Redis across instances), under `key` plus the UTC day. Without it, the budget is
   * this process's own.
   */
  shared?: { store: KeyValueStore; key: string };
}

/**
 * Admits a request to a paid model call when the sampled share and the day's budget allow. Calls
 * under way here count against the budget at the last call's cost, so a burst does not overshoot
 * it. With a shared store, every call's cost is added there and `refresh()` reads the total of all
 * instances; calls under way on other instances are not counted until they end.
 * @example const cap = new SpendCap({ maxShare: 0.1, dailyBudgetUsd: 5, random, now }); if (cap.admit()) { const done = cap.begin(); done((await call()).costUsd); }
 */
export class SpendCap {
  readonly #o: SpendCapOptions & { maxShare: number };
  #day = -1;
  #spent = 0;
  #calls = 0;
  #inFlight = 0;
  #lastCost = 0;

  constructor(options: SpendCapOptions) {
    const share = options.maxShare ?? 1;
    if (!(share >= 0 && share <= 1)) throw new TypeError('maxShare must be between 0 and 1');
    if (options.dailyBudgetUsd !== undefined && !(options.dailyBudgetUsd >= 0)) throw new TypeError('dailyBudgetUsd must be at least 0');
    this.#o = { ...options, maxShare: share };
  }

  #roll(): void {
    const day = Math.floor(this.#o.now() / DAY_MS);
    if (day !== this.#day) {
      this.#day = day;
      this.#spent = 0;
      this.#calls = 0;
    }
  }

  /**
   * Read the day's spend of every instance from the shared store (no-op without one). A store
   * that fails or takes longer than 250 ms leaves this instance's own figure: the cap then errs
   * on spending.
   */
  async refresh(): Promise<void> {
    const shared = this.#o.shared;
    if (!shared || this.#o.dailyBudgetUsd === undefined) return;
    this.#roll();
    const day = this.#day;
    let timer: NodeJS.Timeout | undefined;
    try {
      const total = await Promise.race([
        shared.store.get<number>(`${shared.key}:${day}`),
        new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), REFRESH_TIMEOUT_MS))),
      ]);
      if (typeof total === 'number') this.#sharedTotal(day, total);
    } catch {
      // keep the local view
    } finally {
      clearTimeout(timer);
    }
  }

  #sharedTotal(day: number, nanos: number): void {
    this.#roll();
    if (day === this.#day) this.#spent = Math.max(this.#spent, nanos / NANO);
  }

  /** Whether the day's budget has room for one more call (calls under way counted at the last call's cost). */
  affordable(): boolean {
    this.#roll();
    const budget = this.#o.dailyBudgetUsd;
    return budget === undefined || this.#spent + this.#inFlight * this.#lastCost < budget;
  }

  /** Whether this request is sampled and the day's budget is not spent. */
  admit(): boolean {
    return this.affordable() && this.sampled();
  }

  /** Whether this request falls in the sampled share (a draw per call). */
  sampled(): boolean {
    return this.#o.maxShare >= 1 || this.#o.random() < this.#o.maxShare;
  }

  /** A call starts; call the returned function with its cost (null: unpriced or failed) when it ends. */
  begin(): (usd: number | null) => void {
    this.#inFlight += 1;
    let ended = false;
    return (usd) => {
      if (ended) return;
      ended = true;
      this.#inFlight -= 1;
      this.#roll();
      this.#calls += 1;
      if (usd !== null) {
        this.#spent += usd;
        this.#lastCost = usd;
        const shared = this.#o.shared;
        const nanos = Math.round(usd * NANO);
        if (shared && nanos > 0) {
          const day = this.#day;
          shared.store.increment(`${shared.key}:${day}`, nanos, 2 * DAY_MS).then(
            (total) => this.#sharedTotal(day, total),
            () => undefined, // the store is down: this instance's own spend still counts
          );
        }
      }
    };
  }

  /** Today's calls and spend. */
  today(): { calls: number; spentUsd: number } {
    this.#roll();
    return { calls: this.#calls, spentUsd: this.#spent };
  }
}
