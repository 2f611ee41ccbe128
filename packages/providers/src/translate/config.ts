/**
 * Translation settings from a provider's config (`translation:` in `ai_gateway.providers[]`).
 * @module
 */
import type { ProviderConfig } from '../adapter.js';
import { isObj } from './common.js';
import type { TranslationOptions } from './with-translation.js';

/**
 * Read `translation: { default_max_tokens, max_tokens_field, thinking_to_reasoning_effort,
 * estimate_stream_input_tokens }` from a provider config (all optional).
 * @throws {TypeError} naming the provider and the bad field.
 * @example translationOptionsFromConfig({ name: 'claude', type: 'anthropic', translation: { default_max_tokens: 8192 } }) // { defaultMaxTokens: 8192 }
 */
export function translationOptionsFromConfig(config: ProviderConfig): TranslationOptions {
  const raw = config.translation;
  if (raw === undefined || raw === null) return {};
  if (!isObj(raw)) throw new TypeError(`provider ${config.name}: translation must be an object`);
  const out: TranslationOptions = {};
  const bad = (field: string, what: string): TypeError => new TypeError(`provider ${config.name}: translation.${field} must be ${what}`);
  if (raw.default_max_tokens !== undefined) {
    if (!Number.isInteger(raw.default_max_tokens) || (raw.default_max_tokens as number) < 1) throw bad('default_max_tokens', 'a positive integer');
    out.defaultMaxTokens = raw.default_max_tokens as number;
  }
  if (raw.max_tokens_field !== undefined) {
    if (raw.max_tokens_field !== 'max_tokens' && raw.max_tokens_field !== 'max_completion_tokens')
      throw bad('max_tokens_field', 'max_tokens or max_completion_tokens');
    out.maxTokensField = raw.max_tokens_field;
  }
  for (const [field, key] of [
    ['thinking_to_reasoning_effort', 'thinkingToReasoningEffort'],
    ['estimate_stream_input_tokens', 'estimateStreamInputTokens'],
  ] as const) {
    if (raw[field] === undefined) continue;
    if (typeof raw[field] !== 'boolean') throw bad(field, 'a boolean');
    out[key] = raw[field] as boolean;
  }
  return out;
}
