import type { Cost, Usage } from '@switchyard/core';

/**
 * Price of one model at one provider, in USD per million tokens, per token class.
 * Cache prices are optional because many catalogs do not list them; see {@link CachePriceFallback}.
 */
export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
  cacheReadPerMTok?: number;
  /** Five-minute cache writes (every write when `cacheWrite1hPerMTok` is absent). */
  cacheWritePerMTok?: number;
  /** One-hour cache writes. Absent: priced as `cacheWritePerMTok`. */
  cacheWrite1hPerMTok?: number;
}

/**
 * Look up the price of the model a provider served, for this request's usage: a model with
 * long-context tiers returns the rates of the tier the usage falls in. Return undefined when
 * the price is not known: the cost is then null with a reason, never 0.
 * @example const price: UsagePriceLookup = (provider, model, usage) => myPrices(provider, model, usage.inputTokens);
 */
export type UsagePriceLookup = (provider: string, model: string, usage: Usage) => ModelPrice | undefined;

/**
 * What to do when a request has cache tokens but the price has no cache price for that class.
 * `null`: the cost is unknown (null with a reason); `input`: price them at the input price
 * (the rate a provider without cache discounts charges; an over-estimate for cache reads and
 * an under-estimate for Anthropic cache writes).
 */
export type CachePriceFallback = 'null' | 'input';

/** A price lookup that knows no model: every cost is null with a reason. */
export const noPrices: UsagePriceLookup = () => undefined;

/**
 * Cost of a request's usage at a price. Each token class is priced once: `inputTokens`
 * excludes cached tokens, reasoning tokens are part of `outputTokens` so they are not added
 * again, and one-hour cache writes (part of `cacheWriteTokens`) pay the one-hour rate while
 * the rest pay the five-minute rate (`cache_write` and `cache_write_1h` in the breakdown).
 *
 * @example
 * computeCost(usage, { inputPerMTok: 2.5, outputPerMTok: 10, cacheReadPerMTok: 1.25 }, 'openai/gpt-4o')
 * // { usd: 0.0125, currency: 'USD', breakdown: { input: …, cache_read: …, cache_write: 0, cache_write_1h: 0, output: … } }
 */
export function computeCost(usage: Usage, price: ModelPrice | undefined, label: string, fallback: CachePriceFallback = 'null'): Cost {
  if (!price) return { usd: null, reason: `no price for ${label}` };
  let cacheRead = price.cacheReadPerMTok;
  let cacheWrite = price.cacheWritePerMTok;
  if (cacheRead === undefined && usage.cacheReadTokens > 0) {
    if (fallback === 'null') return { usd: null, reason: `no cache-read price for ${label}` };
    cacheRead = price.inputPerMTok;
  }
  if (cacheWrite === undefined && usage.cacheWriteTokens > 0) {
    if (fallback === 'null') return { usd: null, reason: `no cache-write price for ${label}` };
    cacheWrite = price.inputPerMTok;
  }
  const oneHour = Math.min(usage.cacheWriteTokens, usage.cacheWrite1hTokens ?? 0);
  const breakdown = {
    input: (usage.inputTokens * price.inputPerMTok) / 1e6,
    cache_read: (usage.cacheReadTokens * (cacheRead ?? 0)) / 1e6,
    cache_write: ((usage.cacheWriteTokens - oneHour) * (cacheWrite ?? 0)) / 1e6,
    cache_write_1h: (oneHour * (price.cacheWrite1hPerMTok ?? cacheWrite ?? 0)) / 1e6,
    output: (usage.outputTokens * price.outputPerMTok) / 1e6,
  };
  const usd = breakdown.input + breakdown.cache_read + breakdown.cache_write + breakdown.cache_write_1h + breakdown.output;
  return { usd: round(usd), currency: 'USD', breakdown: mapValues(breakdown, round) };
}

/** Rounded to 1e-12 USD so float noise does not show up in sums and headers. */
function round(n: number): number {
  return Math.round(n * 1e12) / 1e12;
}

function mapValues<T extends Record<string, number>>(obj: T, fn: (n: number) => number): T {
  const out = {} as Record<string, number>;
  for (const [k, v] of Object.entries(obj)) out[k] = fn(v);
  return out as T;
}

/**
 * The `x-switchyard-cost-usd` header value: plain decimal notation (never `1e-7`), trailing
 * zeros trimmed.
 * @example formatUsd(0.00012) // '0.00012'
 */
export function formatUsd(usd: number): string {
  const fixed = usd.toFixed(10).replace(/0+$/, '').replace(/\.$/, '');
  return fixed === '-0' ? '0' : fixed;
}

/** Whether a price is well-formed (non-negative finite numbers). */
export function isValidPrice(price: ModelPrice): boolean {
  return [price.inputPerMTok, price.outputPerMTok, price.cacheReadPerMTok ?? 0, price.cacheWritePerMTok ?? 0, price.cacheWrite1hPerMTok ?? 0].every(
    (n) => typeof n === 'number' && Number.isFinite(n) && n >= 0,
  );
}
