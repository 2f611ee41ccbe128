/**
 * A local estimate of `POST /v1/messages/count_tokens` for providers that cannot count Claude
 * tokens (anything but Anthropic). It is an estimate: the o200k tokenizer is not Claude's.
 * @module
 */
import { clientJson } from '@switchyard/core';
import { isObj, type Json } from './common.js';

type Counter = (text: string) => number;
let counter: Counter | undefined;
let loading: Promise<Counter> | undefined;

/**
 * Load the o200k tokenizer (several MB of tables) once, lazily: it is only needed when a
 * count_tokens request or a translated stream's `message_start` asks for an estimate.
 * @example await loadTokenCounter();
 */
export function loadTokenCounter(): Promise<Counter> {
  loading ??= import('gpt-tokenizer/encoding/o200k_base').then((m) => (counter = m.countTokens));
  return loading;
}

/** Tokens an image costs in the estimate (Anthropic: about width*height/750, ~1600 for a 1.15 MP image). */
const IMAGE_TOKENS = 1600;
/** Role and framing tokens per message. */
const MESSAGE_OVERHEAD = 4;
/** Anthropic adds a tool-use system prompt when tools are present. */
const TOOLS_OVERHEAD = 300;

/**
 * Estimate the input tokens of an Anthropic Messages (or count_tokens) body: every text the
 * model reads (system, messages, tool definitions) through the o200k tokenizer when it is loaded,
 * else 4 characters per token; images at a flat cost.
 * @example estimateAnthropicInputTokens({ messages: [{ role: 'user', content: 'Hello' }] }) // 5
 */
export function estimateAnthropicInputTokens(body: Json): number {
  const texts: string[] = [];
  let extra = 0;
  const visit = (value: unknown, depth: number): void => {
    if (depth > 12 || value === null || value === undefined) return;
    if (typeof value === 'string') return void texts.push(value);
    if (Array.isArray(value)) return void value.forEach((v) => visit(v, depth + 1));
    if (!isObj(value)) return;
    if (value.type === 'image' || value.type === 'image_url') return void (extra += IMAGE_TOKENS);
    if (value.type === 'document' && isObj(value.source) && value.source.type === 'base64') return void (extra += IMAGE_TOKENS * 2);
    for (const [key, v] of Object.entries(value)) {
      // Signatures and ids are opaque to the model's context in practice; keys and types are framing.
      if (key === 'signature' || key === 'type' || key === 'id' || key === 'tool_use_id' || key === 'cache_control') continue;
      visit(v, depth + 1);
    }
  };
  visit(body.system, 0);
  visit(body.messages, 0);
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    extra += TOOLS_OVERHEAD;
    texts.push(clientJson(body.tools, 'tools'));
  }
  const messages = Array.isArray(body.messages) ? body.messages.length : 0;
  const text = texts.join('\n');
  const tokens = counter ? counter(text) : Math.ceil(text.length / 4);
  return tokens + extra + messages * MESSAGE_OVERHEAD;
}
