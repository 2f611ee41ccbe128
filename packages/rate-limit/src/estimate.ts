import { estimateInputTokens, loadTokenCounter, requestedOutputTokens, type Exchange } from '@switchyard/core';

/**
 * Loads the shared tokenizer (see `loadTokenCounter` in @switchyard/core); until it has loaded,
 * estimates count 4 characters per token.
 * @example await loadTokenizer();
 */
export async function loadTokenizer(): Promise<void> {
  await loadTokenCounter();
}

/** The input-token estimate budgets reserve with: the one estimator of @switchyard/core. */
export { estimateInputTokens };

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
