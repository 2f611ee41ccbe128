/**
 * Anthropic Messages: `/v1/messages` and `/v1/messages/count_tokens`, faithful pass-through
 * (only `model` is replaced).
 * @see https://docs.anthropic.com/en/api/messages
 * @module
 */
import type { ClientFormat, Usage } from '@switchyard/core';
import type { ProviderAdapter, ProviderCall, ProviderConfig } from '../adapter.js';
import { ProviderError } from '../provider-error.js';
import { anthropicUsage } from '../usage.js';
import { anthropicStreamProtocol } from './anthropic-stream.js';
import { createHttpAdapter, type UpstreamRequest } from './http-adapter.js';
import { stringOption, trimSlash, validateUrl, withModel } from './openai.js';

/** Defaults to the public API (without `/v1`). */
export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
/** Sent when the client sent no `anthropic-version`. */
export const ANTHROPIC_VERSION = '2023-06-01';

const FORMATS: readonly ClientFormat[] = ['anthropic.messages', 'anthropic.count_tokens'];
const STREAM_FORMATS: readonly ClientFormat[] = ['anthropic.messages'];
const PATHS: Partial<Record<ClientFormat, string>> = { 'anthropic.messages': '/v1/messages', 'anthropic.count_tokens': '/v1/messages/count_tokens' };

/**
 * The `anthropic` adapter. Config: `base_url` (defaults to https://api.anthropic.com),
 * `api_key`, `anthropic_version` (used when the client sent none; defaults to 2023-06-01), `headers`.
 * @example createAnthropicAdapter({ name: 'anthropic', type: 'anthropic', api_key: process.env.ANTHROPIC_API_KEY })
 */
export function createAnthropicAdapter(config: ProviderConfig): ProviderAdapter {
  const base = trimSlash(stringOption(config, 'base_url') ?? ANTHROPIC_BASE_URL);
  validateUrl(config.name, base);
  const defaultVersion = stringOption(config, 'anthropic_version') ?? ANTHROPIC_VERSION;
  const extra = config.headers ?? {};

  function build(call: ProviderCall): UpstreamRequest {
    const key = call.apiKey ?? config.api_key;
    if (!key) throw new ProviderError(`provider ${config.name} has no API key configured`, { kind: 'auth', provider: config.name });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: call.stream ? 'text/event-stream' : 'application/json',
      'x-api-key': key,
      'anthropic-version': call.headers['anthropic-version'] || defaultVersion,
    };
    const beta = call.headers['anthropic-beta'];
    if (beta) headers['anthropic-beta'] = beta;
    for (const name in extra) headers[name.toLowerCase()] = extra[name]!;
    return { url: base + PATHS[call.format]!, headers, body: withModel(call.body, call.model) };
  }

  return createHttpAdapter({
    type: 'anthropic',
    config,
    family: 'anthropic',
    formats: FORMATS,
    streamFormats: STREAM_FORMATS,
    build,
    inspectJson(format, body): { usage?: Usage; model?: string } {
      if (format === 'anthropic.count_tokens') return {};
      return { usage: anthropicUsage(body.usage), model: typeof body.model === 'string' ? body.model : undefined };
    },
    streamProtocol: anthropicStreamProtocol,
  });
}
