import type { CostConfig } from './config.js';
import { ratesFor, type ModelPrices } from './prices.js';

/** Token counts to price. `inputTokens` excludes cached tokens, as in core `Usage`. */
export interface TokenCounts {
  inputTokens: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  /** Every cache write, one-hour writes included. */
  cacheWriteTokens?: number;
  /** Part of `cacheWriteTokens` written to a one-hour cache. */
  cacheWrite1hTokens?: number;
}

/**
 * Convert config prices (per 1k or per million tokens) to USD per million. Returns undefined
 * when the config gives no price at all. A configured price is flat: the price table's tiers
 * do not apply to it.
 * @example pricesFromCost({ input_per_1k: 0.01, output_per_1k: 0.03 }) // { input: 10, output: 30, … }
 */
export function pricesFromCost(cost: CostConfig | undefined, fallback?: ModelPrices | null): ModelPrices | undefined {
  if (!cost) return undefined;
  const pick = (m?: number, k?: number) => (typeof m === 'number' ? m : typeof k === 'number' ? k * 1000 : undefined);
  const input = pick(cost.input_per_1m, cost.input_per_1k);
  const output = pick(cost.output_per_1m, cost.output_per_1k);
  const cacheRead = pick(cost.cache_read_per_1m, cost.cache_read_per_1k);
  const cacheWrite = pick(cost.cache_write_per_1m, cost.cache_write_per_1k);
  const cacheWrite1h = pick(cost.cache_write_1h_per_1m, cost.cache_write_1h_per_1k);
  const given = [input, output, cacheRead, cacheWrite, cacheWrite1h];
  if (given.every((v) => v === undefined)) return undefined;
  for (const v of given) {
    if (v !== undefined && (!Number.isFinite(v) || v < 0)) throw new TypeError('prices must be finite numbers >= 0');
  }
  return {
    input: input ?? fallback?.input ?? 0,
    output: output ?? fallback?.output ?? 0,
    cacheRead: cacheRead ?? fallback?.cacheRead ?? input ?? null,
    cacheWrite: cacheWrite ?? fallback?.cacheWrite ?? input ?? null,
    cacheWrite1h: cacheWrite1h ?? fallback?.cacheWrite1h ?? null,
  };
}

/** Every input token of a request: uncached, cache reads and cache writes (what price tiers look at). */
export function totalInputTokens(tokens: TokenCounts): number {
  return tokens.inputTokens + (tokens.cacheReadTokens ?? 0) + (tokens.cacheWriteTokens ?? 0);
}

/**
 * USD cost of token counts at a model's prices (the tier the request's input falls in), or
 * null when a price is unknown. One-hour cache writes pay their own rate (the five-minute
 * rate when the model has none).
 * @example costOf(model.prices, { inputTokens: 1000, outputTokens: 200 })
 */
export function costOf(prices: ModelPrices | null, tokens: TokenCounts): number | null {
  if (!prices) return null;
  const rates = ratesFor(prices, totalInputTokens(tokens));
  const cacheRead = tokens.cacheReadTokens ?? 0;
  const cacheWrite = tokens.cacheWriteTokens ?? 0;
  const oneHour = Math.min(cacheWrite, tokens.cacheWrite1hTokens ?? 0);
  if ((cacheRead > 0 && rates.cacheRead === null) || (cacheWrite > 0 && rates.cacheWrite === null)) return null;
  return (
    (tokens.inputTokens * rates.input +
      (tokens.outputTokens ?? 0) * rates.output +
      cacheRead * (rates.cacheRead ?? 0) +
      (cacheWrite - oneHour) * (rates.cacheWrite ?? 0) +
      oneHour * (rates.cacheWrite1h ?? rates.cacheWrite ?? 0)) /
    1e6
  );
}
