/**
 * Error bodies from one wire format to the other, for callers holding an upstream error body.
 * (Adapters raise {@link ProviderError}s, which the gateway already renders in the client's format.)
 * @module
 */
import { GatewayError } from '@switchyard/core';
import { isObj, type Json } from './common.js';

/**
 * An OpenAI error body to an Anthropic one; the Anthropic `type` follows the HTTP status.
 * @example openAIErrorToAnthropic({ error: { message: 'Rate limit', type: 'requests' } }, 429)
 * // { type: 'error', error: { type: 'rate_limit_error', message: 'Rate limit' }, request_id: null }
 */
export function openAIErrorToAnthropic(body: unknown, status: number, requestId: string | null = null): Json {
  const err = isObj(body) && isObj(body.error) ? body.error : {};
  const message = typeof err.message === 'string' ? err.message : `upstream error (HTTP ${status})`;
  return { type: 'error', error: { type: new GatewayError(message, { status }).anthropicType, message }, request_id: requestId };
}

/**
 * An Anthropic error body to an OpenAI one; `code` keeps the Anthropic error type.
 * @example anthropicErrorToOpenAI({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 529)
 * // { error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' } }
 */
export function anthropicErrorToOpenAI(body: unknown, status: number): Json {
  const err = isObj(body) && isObj(body.error) ? body.error : {};
  const message = typeof err.message === 'string' ? err.message : `upstream error (HTTP ${status})`;
  return { error: { message, type: new GatewayError(message, { status }).openaiType, param: null, code: typeof err.type === 'string' ? err.type : null } };
}
