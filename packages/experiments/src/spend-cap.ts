/**
 * The cap on a background model's use: a share of traffic and a daily budget in USD (UTC days).
 * @module
 */

const DAY_MS = 86_400_000;

/** Limits of {@link SpendCap}. */
export interface SpendCapOptions {
  /** Share of requests (0..1) that may use the model. Defaults to 1. */
  maxShare?: number;
  /** USD per UTC day; once spent, the model is not called until the next day. Defaults to no limit. */
  dailyBudgetUsd?: number;
  random: () => number;
  now: () => number;
}

/**
 * Admits a request to a paid model call when the sampled share and the day's budget allow.
 * @example const cap = new SpendCap({ maxShare: 0.1, dailyBudgetUsd: 5, random, now }); if (cap.admit()) cap.spend(await call());
 */
export class SpendCap {
  readonly #o: SpendCapOptions;
  #day = -1;
  #spent = 0;
  #calls = 0;

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

  /** Whether this request is sampled and the day's budget is not spent. */
  admit(): boolean {
    this.#roll();
    if (this.#o.dailyBudgetUsd !== undefined && this.#spent >= this.#o.dailyBudgetUsd) return false;
    return this.#o.maxShare! >= 1 || this.#o.random() < this.#o.maxShare!;
  }

  /** Count a call's cost (unpriced calls count as free). */
  spend(usd: number | null): void {
    this.#roll();
    this.#calls += 1;
    this.#spent += usd ?? 0;
  }

  /** Today's calls and spend. */
  today(): { calls: number; spentUsd: number } {
    this.#roll();
    return { calls: this.#calls, spentUsd: this.#spent };
  }
}
