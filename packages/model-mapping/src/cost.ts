import type { CostConfig } from './config.js';
import type { ModelPrices } from './prices.js';

/** Token counts to price. */
export interface TokenCounts {
  inputTokens: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
}

/**
 * Convert config prices (per 1k or per million tokens) to USD per million. Returns undefined
 * when the config gives neither input nor output price.
 * @example pricesFromCost({ input_per_1k: 0.01, output_per_1k: 0.03 }) // { input: 10, output: 30, … }
 */
export function pricesFromCost(cost: CostConfig | undefined, fallback?: ModelPrices | null): ModelPrices | undefined {
  if (!cost) return undefined;
  const pick = (m?: number, k?: number) => (typeof m === 'number' ? m : typeof k === 'number' ? k * 1000 : undefined);
  const input = pick(cost.input_per_1m, cost.input_per_1k);
  const output = pick(cost.output_per_1m, cost.output_per_1k);
  const cacheRead = pick(cost.cache_read_per_1m, cost.cache_read_per_1k);
  const cacheWrite = pick(cost.cache_write_per_1m, cost.cache_write_per_1k);
  if (input === undefined && output === undefined && cacheRead === undefined && cacheWrite === undefined) return undefined;
  for (const v of [input, output, cacheRead, cacheWrite]) {
    if (v !== undefined && (!Number.isFinite(v) || v < 0)) throw new TypeError('prices must be finite numbers >= 0');
  }
  return {
    input: input ?? fallback?.input ?? 0,
    output: output ?? fallback?.output ?? 0,
    cacheRead: cacheRead ?? fallback?.cacheRead ?? input ?? null,
    cacheWrite: cacheWrite ?? fallback?.cacheWrite ?? input ?? null,
  };
}

/**
 * USD cost of token counts at a model's prices, or null when a price is unknown.
 * @example costOf(model.prices, { inputTokens: 1000, outputTokens: 200 })
 */
export function costOf(prices: ModelPrices | null, tokens: TokenCounts): number | null {
  if (!prices) return null;
  const cacheRead = tokens.cacheReadTokens ?? 0;
  const cacheWrite = tokens.cacheWriteTokens ?? 0;
  if ((cacheRead > 0 && prices.cacheRead === null) || (cacheWrite > 0 && prices.cacheWrite === null)) return null;
  return (
    (tokens.inputTokens * prices.input +
      (tokens.outputTokens ?? 0) * prices.output +
      cacheRead * (prices.cacheRead ?? 0) +
      cacheWrite * (prices.cacheWrite ?? 0)) /
    1e6
  );
}
