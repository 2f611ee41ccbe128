import { createRequire } from 'node:module';

/**
 * The price table's CommonJS build: the same data and code as its ES module build, minified
 * (0.48 MB of source against 0.83 MB, which V8 keeps as two-byte text): 1.9 MB of heap for the
 * gateway's lifetime against 3.3 MB.
 */
const { calcPrice } = createRequire(import.meta.url)('@pydantic/genai-prices') as typeof import('@pydantic/genai-prices');

/** USD per million tokens of each class; `null` where the class has no known price. */
export interface TokenRates {
  input: number;
  output: number;
  cacheRead: number | null;
  /** Five-minute cache writes (and every write when `cacheWrite1h` is null). */
  cacheWrite: number | null;
  /** One-hour cache writes. Null: priced as `cacheWrite`. */
  cacheWrite1h: number | null;
}

/** The rates of a request whose input tokens (uncached, cache reads and writes) exceed `aboveInputTokens`. */
export interface PriceTier extends TokenRates {
  aboveInputTokens: number;
}

/**
 * A model's prices: the rates of an ordinary request, and, for long-context pricing, the
 * tiers that replace them above an input size (ascending). Pick with {@link ratesFor}.
 */
export interface ModelPrices extends TokenRates {
  tiers?: readonly PriceTier[];
}

/** What the bundled price table knows about a model. */
export interface PriceTableEntry {
  prices: ModelPrices | null;
  contextWindow?: number;
  /** The price table's own model id (may differ from the name asked for). */
  matchedId: string;
}

/** Looks a model up in a price table; injectable so tests and users can supply their own. */
export type PriceLookup = (providerType: string, model: string) => PriceTableEntry | undefined;

/** Switchyard provider type -> genai-prices provider id. */
const PROVIDER_IDS: Record<string, string> = {
  openai: 'openai',
  azure: 'azure',
  anthropic: 'anthropic',
  vertex: 'google',
  gemini: 'google',
  google: 'google',
  mistral: 'mistral',
  cohere: 'cohere',
  groq: 'groq',
  deepseek: 'deepseek',
  together: 'together',
  perplexity: 'perplexity',
  bedrock: 'aws',
  xai: 'x-ai',
};

const MILLION = { input_tokens: 1e6, output_tokens: 1e6, cache_read_tokens: 0, cache_write_tokens: 0 };

type TableValue = number | { base: number; tiers: { start: number; price: number }[] } | undefined;

/** A table price at an input size: genai-prices takes a tier once the input exceeds its start. */
function rateAt(value: unknown, inputTokens: number): number | null {
  if (typeof value === 'number') return value;
  const tiered = value as Exclude<TableValue, number>;
  if (!tiered || typeof tiered.base !== 'number') return null;
  let rate = tiered.base;
  for (const tier of tiered.tiers ?? []) if (inputTokens > tier.start) rate = tier.price;
  return rate;
}

/** The table's rates at an input size (`null` when the table has no input price). */
function ratesAt(p: Record<string, unknown>, inputTokens: number): TokenRates | null {
  const input = rateAt(p.input_mtok, inputTokens);
  if (input === null) return null;
  return {
    input,
    // An embeddings model has no output price: output tokens cost nothing there.
    output: rateAt(p.output_mtok, inputTokens) ?? 0,
    cacheRead: rateAt(p.cache_read_mtok, inputTokens),
    cacheWrite: rateAt(p.cache_write_mtok, inputTokens),
    cacheWrite1h: rateAt(p.cache_write_1h_mtok, inputTokens),
  };
}

/** Base rates plus one tier per distinct tier start of any class, as the price table defines them. */
function tablePrices(p: Record<string, unknown>): ModelPrices | null {
  const base = ratesAt(p, 0);
  if (!base) return null;
  const starts = new Set<number>();
  for (const value of Object.values(p)) {
    if (value && typeof value === 'object') for (const t of (value as Exclude<TableValue, number>)!.tiers ?? []) starts.add(t.start);
  }
  if (starts.size === 0) return base;
  const tiers = [...starts].sort((a, b) => a - b).map((start) => ({ aboveInputTokens: start, ...ratesAt(p, start + 1)! }));
  return { ...base, tiers };
}

/**
 * The rates a request pays: those of the last tier whose threshold its input exceeds, else the
 * base rates. `inputTokens` counts every input token (uncached, cache reads and cache writes),
 * as long-context pricing does.
 * @example ratesFor(prices, 250_000).input // 6 for claude-sonnet-4-5 (3 up to 200k)
 */
export function ratesFor(prices: ModelPrices, inputTokens: number): TokenRates {
  let rates: TokenRates = prices;
  for (const tier of prices.tiers ?? []) if (inputTokens > tier.aboveInputTokens) rates = tier;
  const { input, output, cacheRead, cacheWrite, cacheWrite1h } = rates;
  return { input, output, cacheRead, cacheWrite, cacheWrite1h };
}

const memo = new Map<string, PriceTableEntry | null>();

/**
 * The default {@link PriceLookup}: the `@pydantic/genai-prices` data bundled with the package
 * (no network). Results are memoised; a miss is `undefined`.
 * @example genaiPriceLookup('openai', 'gpt-4')?.prices // { input: 30, output: 60, … }
 */
export const genaiPriceLookup: PriceLookup = (providerType, model) => {
  const providerId = PROVIDER_IDS[providerType];
  if (!providerId) return undefined;
  const key = `${providerId}\u0000${model}`;
  const hit = memo.get(key);
  if (hit !== undefined) return hit ?? undefined;
  let entry: PriceTableEntry | null = null;
  try {
    const result = calcPrice(MILLION, model, { providerId });
    if (result) entry = { matchedId: result.model.id, contextWindow: result.model.context_window, prices: tablePrices(result.model_price) };
  } catch {
    entry = null;
  }
  memo.set(key, entry);
  return entry ?? undefined;
};
