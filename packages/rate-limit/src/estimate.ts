import { clientJson, requestedOutputTokens, type Exchange } from '@switchyard/core';

type Counter = (text: string) => number;
let countTokens: Counter | undefined;
let loading: Promise<void> | undefined;

/**
 * Load the o200k tokenizer (a few MB of tables) once, off the import path. Until it is loaded,
 * {@link estimateInputTokens} falls back to 4 characters per token.
 * @example await loadTokenizer();
 */
export function loadTokenizer(): Promise<void> {
  loading ??= import('gpt-tokenizer/encoding/o200k_base').then((m) => {
    countTokens = m.countTokens;
  });
  return loading;
}

/** Tokens an image costs in the estimate (OpenAI's high-detail tile cost ballpark). */
const IMAGE_TOKENS = 765;
/** Per-message framing tokens (role markers) OpenAI documents for chat formats. */
const MESSAGE_OVERHEAD = 4;

/**
 * Estimate the input tokens of a request with the o200k tokenizer over every text the model
 * will read (system, messages, tool definitions, embedding inputs). Provider tokenizers differ
 * (Claude's counts run higher), so this is an estimate; settlement books the real count.
 *
 * @example estimateInputTokens(exchange) // 1234
 */
export function estimateInputTokens(exchange: Pick<Exchange, 'body' | 'format'>): number {
  const body = exchange.body;
  const texts: string[] = [];
  let extra = 0;
  const visit = (value: unknown, depth: number): void => {
    if (depth > 8 || value === null || value === undefined) return;
    if (typeof value === 'string') return void texts.push(value);
    if (Array.isArray(value)) return void value.forEach((v) => visit(v, depth + 1));
    if (typeof value !== 'object') return;
    const part = value as Record<string, unknown>;
    if (part.type === 'image_url' || part.type === 'image' || part.type === 'input_image') {
      extra += IMAGE_TOKENS;
      return;
    }
    for (const [k, v] of Object.entries(part)) {
      // Binary payloads and ids are not read as text by the model.
      if (k === 'data' || k === 'id' || k === 'tool_call_id' || k === 'tool_use_id' || k === 'cache_control') continue;
      visit(v, depth + 1);
    }
  };
  if (exchange.format === 'openai.embeddings') {
    visit(body.input, 0);
  } else {
    visit(body.system, 0);
    const messages = Array.isArray(body.messages) ? body.messages : [];
    extra += messages.length * MESSAGE_OVERHEAD;
    visit(messages, 0);
    if (body.tools !== undefined) texts.push(clientJson(body.tools, 'tools'));
  }
  let tokens = extra;
  const count = countTokens ?? ((t: string) => Math.ceil(t.length / 4));
  for (const t of texts) tokens += t.length === 0 ? 0 : count(t);
  return tokens;
}

/**
 * The output tokens to reserve: the format's own cap (`max_completion_tokens` / `max_tokens`) times `n`, or the
 * configured default when the request sets no cap; 0 for embeddings and token counting.
 *
 * @example estimateOutputTokens(exchange, 1024) // 1024 when max_tokens is absent
 */
export function estimateOutputTokens(exchange: Pick<Exchange, 'body' | 'format'>, defaultOutputTokens: number): number {
  if (exchange.format === 'openai.embeddings' || exchange.format === 'anthropic.count_tokens') return 0;
  const body = exchange.body;
  const cap = requestedOutputTokens(exchange.format, body);
  const n = typeof body.n === 'number' && Number.isInteger(body.n) && body.n > 1 ? body.n : 1;
  return Math.ceil(cap ?? defaultOutputTokens) * n;
}
