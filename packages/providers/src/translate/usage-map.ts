/**
 * Usage bodies from one wire format to the other. Cached tokens are part of OpenAI's
 * `prompt_tokens` but separate from Anthropic's `input_tokens`; nothing is counted twice.
 * @module
 */
import { isObj, num, type Json } from './common.js';

/**
 * Anthropic `usage` to an OpenAI `usage` object. `prompt_tokens` = input + cache read + cache
 * write; `prompt_tokens_details.cached_tokens` = cache read. Cache writes have no OpenAI field: they
 * are also reported as `cache_creation_input_tokens` (the de-facto name other gateways use), with
 * Anthropic's `cache_creation` split by cache lifetime when the upstream sent one.
 * @example anthropicUsageToOpenAI({ input_tokens: 5, cache_read_input_tokens: 100, output_tokens: 2 })
 * // { prompt_tokens: 105, completion_tokens: 2, total_tokens: 107, prompt_tokens_details: { cached_tokens: 100 }, … }
 */
export function anthropicUsageToOpenAI(raw: unknown): Json {
  const u = isObj(raw) ? raw : {};
  const read = num(u.cache_read_input_tokens);
  const write = num(u.cache_creation_input_tokens);
  const prompt = num(u.input_tokens) + read + write;
  const completion = num(u.output_tokens);
  const out: Json = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: read },
  };
  const thinking = isObj(u.output_tokens_details) ? u.output_tokens_details.thinking_tokens : undefined;
  if (typeof thinking === 'number') out.completion_tokens_details = { reasoning_tokens: thinking };
  if (write > 0) out.cache_creation_input_tokens = write;
  // The split of the writes by cache lifetime (one-hour writes cost more) passes through as is.
  if (write > 0 && isObj(u.cache_creation)) out.cache_creation = u.cache_creation;
  return out;
}

/**
 * OpenAI `usage` to an Anthropic `usage` object (the shape of a Message's `usage`).
 * @example openAIUsageToAnthropic({ prompt_tokens: 10, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 4 } })
 * // { input_tokens: 6, cache_creation_input_tokens: 0, cache_read_input_tokens: 4, output_tokens: 3 }
 */
export function openAIUsageToAnthropic(raw: unknown): Json {
  const u = isObj(raw) ? raw : {};
  const cached = num(isObj(u.prompt_tokens_details) ? u.prompt_tokens_details.cached_tokens : 0);
  // Only another gateway in front of Claude reports cache writes here; they are part of its prompt_tokens.
  const written = num(u.cache_creation_input_tokens);
  const out: Json = {
    input_tokens: Math.max(0, num(u.prompt_tokens) - cached - written),
    cache_creation_input_tokens: written,
    cache_read_input_tokens: cached,
    output_tokens: num(u.completion_tokens),
  };
  const reasoning = isObj(u.completion_tokens_details) ? u.completion_tokens_details.reasoning_tokens : undefined;
  if (typeof reasoning === 'number' && reasoning > 0) out.output_tokens_details = { thinking_tokens: reasoning };
  return out;
}
