import { silentLogger, type Logger } from '@switchyard/core';
import type { ModelOverride, ProviderEntry } from './config.js';
import { genaiPriceLookup, type PriceLookup } from './prices.js';
import { assertCatalogStore, type CatalogOverrideStore } from './catalog-override-store.js';

/** Options of {@link createCatalog} and {@link openCatalog}. */
export interface CatalogOptions {
  /** `ai_gateway.providers`. Defaults to none. */
  providers?: ProviderEntry[];
  /** Per-model overrides (`ai_gateway.models`). Defaults to none. */
  models?: ModelOverride[];
  /** Default prices and context windows. Defaults to the bundled `@pydantic/genai-prices` table. */
  priceLookup?: PriceLookup;
  /**
   * Where admin overrides persist ({@link memoryCatalogStore}, {@link sqliteCatalogStore},
   * {@link postgresCatalogStore}); read by {@link Catalog.load}, written by
   * {@link Catalog.setOverride}. Defaults to none: admin changes live in memory only.
   */
  store?: CatalogOverrideStore;
  /**
   * How often, in ms, {@link Catalog.load} re-reads the store so another instance's admin change
   * shows up here; 0 turns it off. Only used with a `store`. Defaults to 30000.
   */
  refreshMs?: number;
  /** Clock for `updatedAt`. Defaults to `Date.now`. */
  now?: () => number;
  /** Where refresh failures and skipped stored overrides are reported. Defaults to a silent logger. */
  logger?: Logger;
}

/** {@link CatalogOptions} with defaults applied. */
export interface ResolvedCatalogOptions {
  lookup: PriceLookup;
  store?: CatalogOverrideStore;
  refreshMs: number;
  now: () => number;
  logger: Logger;
}

/** Validate (TypeError at start-up) and apply defaults. */
export function resolveCatalogOptions(options: CatalogOptions): ResolvedCatalogOptions {
  if (options.store !== undefined) assertCatalogStore(options.store, 'catalog');
  const refreshMs = options.refreshMs ?? 30_000;
  if (!Number.isFinite(refreshMs) || refreshMs < 0) throw new TypeError('catalog: refreshMs must be a number >= 0');
  if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('catalog: now must be a function');
  return {
    lookup: options.priceLookup ?? genaiPriceLookup,
    store: options.store,
    refreshMs,
    now: options.now ?? Date.now,
    logger: options.logger ?? silentLogger,
  };
}
