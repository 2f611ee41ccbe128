import type { Capabilities, CostConfig, ModelOverride, ProviderEntry } from './config.js';
import { defaultCapabilities } from './capabilities.js';
import { genaiPriceLookup, type ModelPrices, type PriceLookup } from './prices.js';

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

/** Token counts to price. */
export interface TokenCounts {
  inputTokens: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
}

/** A change to a catalog model (admin API); absent fields are left as they are. */
export type ModelPatch = Omit<ModelOverride, 'provider' | 'model'>;

/** Options of {@link createCatalog}. */
export interface CatalogOptions {
  /** `ai_gateway.providers`. Defaults to none. */
  providers?: ProviderEntry[];
  /** Per-model overrides (`ai_gateway.models`). Defaults to none. */
  models?: ModelOverride[];
  /** Default prices and context windows. Defaults to the bundled `@pydantic/genai-prices` table. */
  priceLookup?: PriceLookup;
}

const keyOf = (provider: string, model: string) => `${provider}\u0000${model}`;

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

/**
 * The model catalog: every model each provider serves, with prices, context window,
 * capabilities, region and an enabled flag. Prices and context windows default from the
 * bundled price table; provider `cost`, per-model overrides and admin updates replace them.
 *
 * @example
 * const catalog = createCatalog({ providers: config.ai_gateway.providers });
 * catalog.get('openai', 'gpt-4')?.prices // { input: 10, output: 30, … } with the seed's cost
 */
export class Catalog {
  readonly #providers = new Map<string, CatalogProvider & { entry: ProviderEntry }>();
  readonly #models = new Map<string, CatalogModel>();
  readonly #lookup: PriceLookup;

  constructor(options: CatalogOptions = {}) {
    this.#lookup = options.priceLookup ?? genaiPriceLookup;
    for (const entry of options.providers ?? []) {
      if (!entry || typeof entry.name !== 'string' || entry.name === '') throw new TypeError('catalog: every provider needs a name');
      if (this.#providers.has(entry.name)) throw new TypeError(`catalog: provider "${entry.name}" is configured twice`);
      const listed = [...(entry.models ?? []), ...Object.keys(entry.deployments ?? {})];
      const type = typeof entry.type === 'string' ? entry.type : entry.name;
      this.#providers.set(entry.name, { name: entry.name, type, region: entry.region, open: listed.length === 0, entry });
      for (const model of listed) this.#models.set(keyOf(entry.name, model), this.#derive(entry.name, model));
    }
    for (const override of options.models ?? []) this.update(override.provider, override.model, override, 'config');
  }

  /** Configured providers. */
  providers(): CatalogProvider[] {
    return [...this.#providers.values()].map(({ entry: _entry, ...p }) => p);
  }

  /** A configured provider by name. */
  provider(name: string): CatalogProvider | undefined {
    const p = this.#providers.get(name);
    return p && { name: p.name, type: p.type, region: p.region, open: p.open };
  }

  /** Every catalog model (listed, overridden, or derived on first use for open providers). */
  list(filter: { provider?: string; enabled?: boolean } = {}): CatalogModel[] {
    const out: CatalogModel[] = [];
    for (const m of this.#models.values()) {
      if (filter.provider !== undefined && m.provider !== filter.provider) continue;
      if (filter.enabled !== undefined && m.enabled !== filter.enabled) continue;
      out.push({ ...m, capabilities: { ...m.capabilities } });
    }
    return out;
  }

  /**
   * A model a provider serves: a listed model, or for an open provider (no `models` in the
   * config) one the price table knows for its type. Undefined when the provider does not serve it.
   */
  get(provider: string, model: string): CatalogModel | undefined {
    const hit = this.#models.get(keyOf(provider, model));
    if (hit) return hit;
    const p = this.#providers.get(provider);
    if (!p?.open || !this.#lookup(p.type, model)) return undefined;
    const derived = this.#derive(provider, model);
    this.#models.set(keyOf(provider, model), derived);
    return derived;
  }

  /**
   * Describe a target that may not be in the catalog (a `model_routes` default, a key's own
   * target): the catalog entry when there is one, else one derived from the price table.
   */
  describe(provider: string, model: string): CatalogModel {
    return this.get(provider, model) ?? this.#derive(provider, model);
  }

  /** Providers whose catalog lists this exact upstream name (enabled or not). */
  servedBy(model: string): CatalogModel[] {
    const out: CatalogModel[] = [];
    for (const p of this.#providers.values()) {
      const m = this.get(p.name, model);
      if (m) out.push(m);
    }
    return out;
  }

  /** Change a model (admin API, config overrides); creates the entry for a configured provider. */
  update(provider: string, model: string, patch: ModelPatch, source: 'config' | 'admin' = 'admin'): CatalogModel {
    if (!this.#providers.has(provider)) throw new TypeError(`unknown provider "${provider}"`);
    if (typeof model !== 'string' || model === '') throw new TypeError('model must be a non-empty string');
    const current = this.get(provider, model) ?? this.#derive(provider, model);
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
    this.#models.set(keyOf(provider, model), next);
    return { ...next, capabilities: { ...next.capabilities } };
  }

  /** Estimated USD cost of token counts on a target, or null when its price is unknown. */
  cost(provider: string, model: string, tokens: TokenCounts): number | null {
    return costOf(this.describe(provider, model).prices, tokens);
  }

  #derive(provider: string, model: string): CatalogModel {
    const p = this.#providers.get(provider);
    const type = p?.type ?? provider;
    const table = this.#lookup(type, model);
    const configured = pricesFromCost(p?.entry.cost, table?.prices);
    const prices = configured ?? table?.prices ?? null;
    return {
      provider,
      model,
      contextWindow: table?.contextWindow,
      prices,
      priceSource: configured ? 'config' : table?.prices ? 'price-table' : 'unknown',
      capabilities: defaultCapabilities(type, model),
      region: p?.region,
      enabled: p?.entry.enabled !== false,
    };
  }
}

/**
 * Build a {@link Catalog} from the config's providers and per-model overrides.
 * @example const catalog = createCatalog({ providers: cfg.providers, models: cfg.models });
 */
export function createCatalog(options: CatalogOptions = {}): Catalog {
  return new Catalog(options);
}
