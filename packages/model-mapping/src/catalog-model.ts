import type { Capabilities } from './config.js';
import { pricesFromCost } from './cost.js';
import type { ModelPatch } from './model-patch.js';
import type { ModelPrices } from './prices.js';

/** One model a provider serves, as the catalog knows it. */
export interface CatalogModel {
  provider: string;
  /** Upstream model name. */
  model: string;
  /** Total context window (input + output), in tokens, when known. */
  contextWindow?: number;
  /** Largest output the model produces, when known. */
  maxOutputTokens?: number;
  /** USD per million tokens, or null when no price is known (cost accounting flags it). */
  prices: ModelPrices | null;
  /** Where the prices came from. */
  priceSource: 'config' | 'price-table' | 'admin' | 'unknown';
  capabilities: Capabilities;
  region?: string;
  enabled: boolean;
}

/** What the catalog knows about a configured provider. */
export interface CatalogProvider {
  name: string;
  type: string;
  region?: string;
  /** True when the config lists no models: any model the price table knows for its type is served. */
  open: boolean;
}

/**
 * One catalog layer (a config override, an admin override) over a model: fields the patch sets
 * win, capabilities merge per key, a partial price falls back to the current prices.
 * Throws TypeError on invalid prices.
 * @example applyModelPatch(model, { enabled: false }, 'admin')
 */
export function applyModelPatch(current: CatalogModel, patch: ModelPatch, source: 'config' | 'admin'): CatalogModel {
  const next: CatalogModel = { ...current, capabilities: { ...current.capabilities, ...patch.capabilities } };
  if (patch.enabled !== undefined) next.enabled = patch.enabled;
  if (patch.context_window !== undefined) next.contextWindow = patch.context_window;
  if (patch.max_output_tokens !== undefined) next.maxOutputTokens = patch.max_output_tokens;
  if (patch.region !== undefined) next.region = patch.region;
  const prices = pricesFromCost(patch.cost, current.prices);
  if (prices) {
    next.prices = prices;
    next.priceSource = source;
  }
  return next;
}
