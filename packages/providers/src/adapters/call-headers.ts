/**
 * What the request builders of keyed JSON adapters share: the key of a call, and the headers of
 * a JSON call with the configured extra headers applied last.
 * @module
 */
import type { ProviderCall, ProviderConfig } from '../adapter.js';
import { ProviderError } from '../provider-error.js';

/**
 * The key for one call: the caller's own (BYOK) before the configured one; without either, an
 * `auth` ProviderError (no upstream call is made).
 * @example const headers = jsonCallHeaders(call, { authorization: `Bearer ${callKey(config, call)}` }, extra);
 */
export function callKey(config: ProviderConfig, call: ProviderCall): string {
  const key = call.apiKey ?? config.api_key;
  if (!key) throw new ProviderError(`provider ${config.name} has no API key configured`, { kind: 'auth', provider: config.name });
  return key;
}

/**
 * Headers of a JSON call: content type, `accept` (SSE when streaming), the credential headers,
 * then `extra` (the provider's configured headers, lower-cased), which may override any of them.
 * @example jsonCallHeaders(call, { 'api-key': key }, config.headers ?? {})
 */
export function jsonCallHeaders(call: ProviderCall, credentials: Record<string, string>, extra: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: call.stream ? 'text/event-stream' : 'application/json',
    ...credentials,
  };
  for (const name in extra) headers[name.toLowerCase()] = extra[name]!;
  return headers;
}
