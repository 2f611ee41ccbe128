/**
 * A local estimate of `POST /v1/messages/count_tokens` for providers that cannot count Claude
 * tokens (anything but Anthropic). It is the estimate budgets reserve with and accounting books
 * (`estimateInputTokens` of @switchyard/core), so the three agree; the o200k tokenizer is not
 * Claude's, hence an estimate.
 * @module
 */
import { estimateInputTokens, loadTokenCounter } from '@switchyard/core';
import type { Json } from './common.js';

export { loadTokenCounter };

/**
 * Estimate the input tokens of an Anthropic Messages (or count_tokens) body: every text the
 * model reads (system, messages, tool definitions) through the o200k tokenizer when it is loaded,
 * else 4 characters per token; images and documents at a flat cost.
 * @example estimateAnthropicInputTokens({ messages: [{ role: 'user', content: 'Hello' }] }) // 6
 */
export function estimateAnthropicInputTokens(body: Json): number {
  return estimateInputTokens({ format: 'anthropic.messages', body });
}
