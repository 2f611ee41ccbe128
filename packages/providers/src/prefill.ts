/**
 * Assistant prefill: how a provider continues a partial answer sent back as the last
 * assistant message. Anthropic does it by contract; OpenAI-compatible servers only when asked
 * with their own flag, which the provider config declares (`prefill:`).
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-engineering/prefill-claudes-response
 * @see https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html (continue_final_message)
 * @see https://api-docs.deepseek.com/guides/chat_prefix_completion (prefix)
 * @module
 */
import type { ProviderAdapter, ProviderConfig } from './adapter.js';

/**
 * `native`: the last assistant message is a prefill by contract (Anthropic). `continue_final_message`:
 * vLLM's `continue_final_message: true, add_generation_prompt: false`. `prefix`: DeepSeek's and
 * Mistral's `prefix: true` on the last assistant message.
 */
export type PrefillStyle = 'native' | 'continue_final_message' | 'prefix';

const DECLARABLE = new Set<string>(['continue_final_message', 'prefix']);

/** The `prefill:` a provider config declares, checked (TypeError naming the provider otherwise). */
export function declaredPrefill(config: ProviderConfig): PrefillStyle | undefined {
  const value = config.prefill;
  if (value === undefined || value === null || value === false) return undefined;
  if (typeof value !== 'string' || !DECLARABLE.has(value)) {
    throw new TypeError(`provider ${config.name}: prefill must be continue_final_message (vLLM) or prefix (DeepSeek, Mistral)`);
  }
  return value as PrefillStyle;
}

/**
 * How this provider continues a partial answer, or undefined when it cannot: Anthropic
 * natively, an OpenAI-family provider when its config declares `prefill:`.
 * @example prefillStyle(createAdapter({ name: 'vllm', type: 'openai-compatible', base_url, prefill: 'continue_final_message' })) // 'continue_final_message'
 */
export function prefillStyle(adapter: Pick<ProviderAdapter, 'type' | 'config'>): PrefillStyle | undefined {
  if (adapter.type === 'anthropic') return 'native';
  if (adapter.type === 'openai' || adapter.type === 'openai-compatible') return declaredPrefill(adapter.config);
  return undefined;
}

/**
 * An OpenAI-format body whose last assistant message is to be continued, with the flag the
 * server needs.
 * @example continuationBody({ messages: [..., { role: 'assistant', content: 'Once' }] }, 'prefix')
 */
export function continuationBody(body: Record<string, unknown>, style: PrefillStyle | undefined): Record<string, unknown> {
  if (style === 'continue_final_message') return { ...body, continue_final_message: true, add_generation_prompt: false };
  if (style === 'prefix' && Array.isArray(body.messages) && body.messages.length > 0) {
    const messages = [...(body.messages as Array<Record<string, unknown>>)];
    messages[messages.length - 1] = { ...messages[messages.length - 1], prefix: true };
    return { ...body, messages };
  }
  return body;
}
