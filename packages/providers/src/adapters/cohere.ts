/**
 * Cohere v2: OpenAI chat clients translated to `/v2/chat` (JSON and SSE), OpenAI embeddings to
 * `/v2/embed`.
 * @see https://docs.cohere.com/reference/chat
 * @see https://docs.cohere.com/reference/embed
 * @module
 */
import type { ClientFormat, Usage } from '@switchyard/core';
import type { ProviderAdapter, ProviderCall, ProviderConfig } from '../adapter.js';
import { ProviderError } from '../provider-error.js';
import { cohereRequest, cohereStreamProtocol, cohereToOpenAI, cohereUsage } from './cohere-translate.js';
import { callKey, jsonCallHeaders } from './call-headers.js';
import { createHttpAdapter, type UpstreamRequest } from './http-adapter.js';
import { stringOption, trimSlash, validateUrl } from './openai.js';
import { embeddingInputs, embeddingList, num, obj, translatingAdapter, type Json, type JsonTranslator } from './openai-shapes.js';

/** Defaults to the public API (without `/v2`). */
export const COHERE_BASE_URL = 'https://api.cohere.com';

const PATHS: Partial<Record<ClientFormat, string>> = { 'openai.chat': '/v2/chat', 'openai.embeddings': '/v2/embed' };
const INPUT_TYPES = new Set(['search_document', 'search_query', 'classification', 'clustering', 'image']);

function embedBody(provider: string, body: Json, model: string, defaultInputType: string): Json {
  const inputType = typeof body.input_type === 'string' ? body.input_type : defaultInputType;
  if (!INPUT_TYPES.has(inputType)) throw new ProviderError(`input_type must be one of ${[...INPUT_TYPES].join(', ')}`, { kind: 'bad_request', provider });
  const out: Json = { model, texts: embeddingInputs(provider, body), input_type: inputType, embedding_types: ['float'] };
  if (typeof body.dimensions === 'number') out.output_dimension = body.dimensions;
  if (typeof body.truncate === 'string') out.truncate = body.truncate;
  return out;
}

/**
 * The `cohere` adapter. Config: `base_url` (defaults to https://api.cohere.com), `api_key`
 * (Bearer), `input_type` for embeddings (defaults to `search_document`; a client body field
 * `input_type` wins), `headers`.
 * @example createCohereAdapter({ name: 'cohere', type: 'cohere', api_key: process.env.CO_API_KEY })
 */
export function createCohereAdapter(config: ProviderConfig): ProviderAdapter {
  const base = trimSlash(stringOption(config, 'base_url') ?? COHERE_BASE_URL);
  validateUrl(config.name, base);
  const inputType = stringOption(config, 'input_type') ?? 'search_document';
  if (!INPUT_TYPES.has(inputType)) throw new TypeError(`provider ${config.name}: input_type must be one of ${[...INPUT_TYPES].join(', ')}`);
  const extra = config.headers ?? {};

  function build(call: ProviderCall): UpstreamRequest {
    const headers = jsonCallHeaders(call, { authorization: `Bearer ${callKey(config, call)}` }, extra);
    const body =
      call.format === 'openai.embeddings'
        ? embedBody(config.name, call.body, call.model, inputType)
        : cohereRequest(config.name, call.body, call.model, call.stream);
    return { url: base + PATHS[call.format]!, headers, body: JSON.stringify(body) };
  }

  const translate: JsonTranslator = (call, body, created) => {
    if (call.format === 'openai.embeddings') {
      const vectors = obj(body.embeddings)?.float;
      return embeddingList(
        Array.isArray(vectors) ? (vectors as number[][]) : [],
        call.model,
        num(obj(obj(body.meta)?.billed_units)?.input_tokens),
        call.body.encoding_format,
      );
    }
    return cohereToOpenAI(call, body, created);
  };

  const http = createHttpAdapter({
    type: 'cohere',
    config,
    family: 'openai',
    formats: ['openai.chat', 'openai.embeddings'],
    streamFormats: ['openai.chat'],
    build,
    inspectJson(format, body): { usage?: Usage } {
      if (format === 'openai.embeddings') {
        const input = num(obj(obj(body.meta)?.billed_units)?.input_tokens);
        return input === undefined
          ? {}
          : { usage: { inputTokens: input, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, source: 'provider' } };
      }
      return { usage: cohereUsage(body.usage) };
    },
    streamProtocol: (call) => cohereStreamProtocol(call),
  });
  return translatingAdapter(http, translate);
}
