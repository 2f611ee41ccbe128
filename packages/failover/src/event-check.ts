import { familyOf, isJsonObjectText, type ClientFormat, type SseEvent } from '@switchyard/core';

/**
 * Whether a stream event cannot be what the client's SDK expects: every OpenAI chunk is one
 * JSON object (or the literal `[DONE]`), every Anthropic event one JSON object. Forwarding a
 * truncated or garbled event would crash the client's parser with an error that names neither
 * the provider nor the request, so the executor ends the stream with a proper error instead.
 * Judged by a structural scan of the text ({@link isJsonObjectText}), not a parse: every event
 * crosses this check, and most are never parsed at all.
 *
 * @example isMalformedEvent('openai.chat', { data: '{"choices":[' }) // true
 */
export function isMalformedEvent(format: ClientFormat, ev: SseEvent): boolean {
  const data = ev.data;
  if (familyOf(format) === 'openai' && data === '[DONE]') return false;
  return !isJsonObjectText(data);
}
