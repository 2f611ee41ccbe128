/**
 * OpenAI (and every OpenAI-compatible server): `/chat/completions` and `/embeddings`,
 * faithful pass-through (only `model` is replaced).
 * @see https://platform.openai.com/docs/api-reference/chat
 * @module
 */
import { bodyBytes, type ClientFormat, type Usage } from '@switchyard/core';
import type { ProviderAdapter, ProviderCall, ProviderConfig } from '../adapter.js';
import { ProviderError } from '../provider-error.js';
import { openAIUsage } from '../usage.js';
import { createHttpAdapter, type UpstreamRequest } from './http-adapter.js';
import { openAIStreamProtocol } from './openai-stream.js';
import { continuationBody, declaredPrefill } from '../prefill.js';

/** Defaults to the public API. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

const FORMATS: readonly ClientFormat[] = ['openai.chat', 'openai.embeddings'];
const STREAM_FORMATS: readonly ClientFormat[] = ['openai.chat'];
const PATHS: Partial<Record<ClientFormat, string>> = { 'openai.chat': '/chat/completions', 'openai.embeddings': '/embeddings' };

/**
 * The upstream body of a pass-through call: `body` (the client's, maybe changed by pieces) with
 * `model` set to the provider's model, every other field, known or not, kept in place. Spliced
 * from the client's bytes when it differs from them in a few top-level members only (the mapped
 * `model`, an added `stream_options`): no serialisation in proportion to the prompt. Otherwise
 * serialised.
 * @example upstreamBody(call.body, call) // bytes, or a JSON string
 */
export function upstreamBody(body: Record<string, unknown>, call: Pick<ProviderCall, 'model' | 'bodySource'>): string | Uint8Array {
  const out = body.model === call.model ? body : { ...body, model: call.model };
  return bodyBytes(out, call.bodySource) ?? JSON.stringify(out);
}

/**
 * The `openai` adapter. Config: `base_url` (defaults to https://api.openai.com/v1), `api_key`,
 * `organization`, `project`, `headers`.
 * @example createOpenAIAdapter({ name: 'openai', type: 'openai', api_key: process.env.OPENAI_API_KEY })
 */
export function createOpenAIAdapter(config: ProviderConfig): ProviderAdapter {
  return openAIFamilyAdapter(config, 'openai', true);
}

/**
 * The `openai-compatible` adapter (vLLM, Ollama, Together, Groq, …): `base_url` is required,
 * `api_key` optional (no Authorization header without one); `prefill:` (`continue_final_message`
 * for vLLM, `prefix` for DeepSeek) declares that it continues a partial answer.
 * @example createOpenAICompatibleAdapter({ name: 'local', type: 'openai-compatible', base_url: 'http://127.0.0.1:11434/v1' })
 */
export function createOpenAICompatibleAdapter(config: ProviderConfig): ProviderAdapter {
  if (typeof config.base_url !== 'string' || config.base_url === '') {
    throw new TypeError(`provider ${config.name}: type openai-compatible requires base_url`);
  }
  return openAIFamilyAdapter(config, 'openai-compatible', false);
}

function openAIFamilyAdapter(config: ProviderConfig, type: string, keyRequired: boolean): ProviderAdapter {
  const base = trimSlash(stringOption(config, 'base_url') ?? OPENAI_BASE_URL);
  validateUrl(config.name, base);
  const organization = stringOption(config, 'organization');
  const project = stringOption(config, 'project');
  const extra = config.headers ?? {};
  const prefill = declaredPrefill(config);

  function build(call: ProviderCall): UpstreamRequest {
    const key = call.apiKey ?? config.api_key;
    if (keyRequired && !key) throw new ProviderError(`provider ${config.name} has no API key configured`, { kind: 'auth', provider: config.name });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: call.stream ? 'text/event-stream' : 'application/json',
    };
    if (key) headers.authorization = `Bearer ${key}`;
    if (organization) headers['openai-organization'] = organization;
    if (project) headers['openai-project'] = project;
    for (const name in extra) headers[name.toLowerCase()] = extra[name]!;
    const body = call.continuation ? continuationBody(call.body, prefill) : call.body;
    return { url: base + PATHS[call.format]!, headers, body: upstreamBody(body, call) };
  }

  return createHttpAdapter({
    type,
    config,
    family: 'openai',
    formats: FORMATS,
    streamFormats: STREAM_FORMATS,
    build,
    inspectJson: inspectOpenAIJson,
    streamProtocol: openAIStreamProtocol,
  });
}

/** Usage and serving model of an OpenAI-format JSON answer (every OpenAI-shaped adapter). */
export function inspectOpenAIJson(_format: ClientFormat, body: Record<string, unknown>): { usage?: Usage; model?: string } {
  return { usage: openAIUsage(body.usage), model: typeof body.model === 'string' ? body.model : undefined };
}

export function stringOption(config: ProviderConfig, key: string): string | undefined {
  const value = config[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new TypeError(`provider ${config.name}: ${key} must be a string`);
  return value;
}

export function trimSlash(url: string): string {
  return url.endsWith('/') ? url.replace(/\/+$/, '') : url;
}

export function validateUrl(name: string, url: string): void {
  if (!/^https?:\/\/[^/]/.test(url)) throw new TypeError(`provider ${name}: base_url must be an http(s) URL (got ${url})`);
}
