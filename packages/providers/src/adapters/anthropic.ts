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
import { stringOption, trimSlash, upstreamBody, validateUrl } from './openai.js';

/** Defaults to the public API (without `/v1`). */
export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
/** Sent when the client sent no `anthropic-version`. */
export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * Betas a client may ask for through the gateway's credentials by default: ones that only
 * change what the Messages request and response carry, which the pass-through, the stream
 * parser and usage accounting handle. Not betas that reach the account's files, run tools on
 * Anthropic's side against URLs the client names, or bill a premium (files, MCP, code
 * execution, computer use, 1M context): an operator opts in with `allowed_betas`.
 */
export const DEFAULT_ANTHROPIC_BETAS: readonly string[] = [
  'prompt-caching-2024-07-31',
  'extended-cache-ttl-2025-04-11',
  'token-efficient-tools-2025-02-19',
  'fine-grained-tool-streaming-2025-05-14',
  'interleaved-thinking-2025-05-14',
  'output-128k-2025-02-19',
  'structured-outputs-2025-11-13',
];

const FORMATS: readonly ClientFormat[] = ['anthropic.messages', 'anthropic.count_tokens'];
const STREAM_FORMATS: readonly ClientFormat[] = ['anthropic.messages'];
const PATHS: Partial<Record<ClientFormat, string>> = { 'anthropic.messages': '/v1/messages', 'anthropic.count_tokens': '/v1/messages/count_tokens' };

/**
 * The `anthropic` adapter. Config: `base_url` (defaults to https://api.anthropic.com),
 * `api_key`, `anthropic_version` (used when the client sent none; defaults to 2023-06-01), `headers`,
 * `allowed_betas` (the client `anthropic-beta` values forwarded upstream; defaults to
 * {@link DEFAULT_ANTHROPIC_BETAS}; others are dropped).
 * @example createAnthropicAdapter({ name: 'anthropic', type: 'anthropic', api_key: process.env.ANTHROPIC_API_KEY })
 */
export function createAnthropicAdapter(config: ProviderConfig): ProviderAdapter {
  const base = trimSlash(stringOption(config, 'base_url') ?? ANTHROPIC_BASE_URL);
  validateUrl(config.name, base);
  const defaultVersion = stringOption(config, 'anthropic_version') ?? ANTHROPIC_VERSION;
  const extra = config.headers ?? {};
  const allowedBetas = new Set(betaList(config));

  function build(call: ProviderCall): UpstreamRequest {
    const key = call.apiKey ?? config.api_key;
    if (!key) throw new ProviderError(`provider ${config.name} has no API key configured`, { kind: 'auth', provider: config.name });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: call.stream ? 'text/event-stream' : 'application/json',
      'x-api-key': key,
      'anthropic-version': call.headers['anthropic-version'] || defaultVersion,
    };
    // The client's betas go out under the gateway's credentials: only the allowed ones.
    const beta = call.headers['anthropic-beta'];
    const betas = beta
      ? beta
          .split(',')
          .map((b) => b.trim())
          .filter((b) => allowedBetas.has(b))
      : [];
    if (betas.length > 0) headers['anthropic-beta'] = betas.join(',');
    for (const name in extra) headers[name.toLowerCase()] = extra[name]!;
    return { url: base + PATHS[call.format]!, headers, body: upstreamBody(call.body, call) };
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

function betaList(config: ProviderConfig): readonly string[] {
  const value = (config as { allowed_betas?: unknown }).allowed_betas;
  if (value === undefined) return DEFAULT_ANTHROPIC_BETAS;
  if (!Array.isArray(value) || !value.every((b) => typeof b === 'string')) {
    throw new TypeError(`provider ${config.name}: allowed_betas must be a list of anthropic-beta names`);
  }
  return value;
}
