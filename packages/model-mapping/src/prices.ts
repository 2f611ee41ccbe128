import { calcPrice } from '@pydantic/genai-prices';

/** USD per million tokens of each class; `null` where the class has no known price. */
export interface ModelPrices {
  input: number;
  output: number;
  cacheRead: number | null;
  cacheWrite: number | null;
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

function base(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (value && typeof value === 'object' && typeof (value as { base?: unknown }).base === 'number') {
    return (value as { base: number }).base; // tiered: the first tier is what a normal request pays
  }
  return null;
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
    if (result) {
      const p = result.model_price;
      const input = base(p.input_mtok);
      const output = base(p.output_mtok);
      entry = {
        matchedId: result.model.id,
        contextWindow: result.model.context_window,
        // An embeddings model has no output price: output tokens cost nothing there.
        prices: input === null ? null : { input, output: output ?? 0, cacheRead: base(p.cache_read_mtok), cacheWrite: base(p.cache_write_mtok) },
      };
    }
  } catch {
    entry = null;
  }
  memo.set(key, entry);
  return entry ?? undefined;
};
