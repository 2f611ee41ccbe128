import type { ClientFormat } from './types.js';

/** The fields that cap output tokens in each client format, in precedence order. */
const OUTPUT_CAP_FIELDS: Record<ClientFormat, readonly string[]> = {
  'openai.chat': ['max_completion_tokens', 'max_tokens'],
  'anthropic.messages': ['max_tokens'],
  'anthropic.count_tokens': [],
  'openai.embeddings': [],
};

/**
 * The output-token cap a request states, reading only the fields of its own format (a
 * Responses-API `max_output_tokens` on a Chat Completions request is not a cap), or undefined
 * when it states none.
 * @example requestedOutputTokens('openai.chat', { max_tokens: 64, max_output_tokens: 1 }) // 64
 */
export function requestedOutputTokens(format: ClientFormat, body: Record<string, unknown>): number | undefined {
  for (const field of OUTPUT_CAP_FIELDS[format] ?? []) {
    const v = body[field];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  }
  return undefined;
}
