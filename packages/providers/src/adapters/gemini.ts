/**
 * Google Gemini on AI Studio (`generativelanguage.googleapis.com`): OpenAI chat and embeddings
 * clients, translated to `generateContent` / `streamGenerateContent?alt=sse` /
 * `batchEmbedContents`. The same translation serves Vertex AI (see vertex.ts).
 * @see https://ai.google.dev/api/generate-content
 * @see https://ai.google.dev/api/embeddings#method:-models.batchembedcontents
 * @module
 */
import type { ClientFormat, Usage } from '@switchyard/core';
import type { ProviderAdapter, ProviderCall, ProviderConfig } from '../adapter.js';
import { ProviderError } from '../provider-error.js';
import { geminiRequest, parseSafetySettings } from './gemini-request.js';
import { geminiStreamProtocol, geminiToOpenAI, geminiUsage } from './gemini-response.js';
import { createHttpAdapter, type UpstreamRequest } from './http-adapter.js';
import { stringOption, trimSlash, validateUrl } from './openai.js';
import { embeddingInputs, embeddingList, obj, str, translatingAdapter, type Json, type JsonTranslator } from './openai-shapes.js';

/** Defaults to the public v1beta API. */
export const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta';

/** What differs between AI Studio and Vertex AI around the shared Gemini translation. */
export interface GoogleFlavour {
  type: string;
  config: ProviderConfig;
  formats: readonly ClientFormat[];
  /** URL of `model:action` (`generateContent`, `streamGenerateContent?alt=sse`, `batchEmbedContents`). */
  url(model: string, action: string): string;
  /** Auth header(s) for a call (Vertex: the access token prepared into `call.apiKey`). */
  auth(call: ProviderCall): Record<string, string>;
  prepare?: Parameters<typeof translatingAdapter>[2];
}

/** `models/gemini-2.5-flash` and `gemini-2.5-flash` both name the model. */
function modelId(model: string): string {
  return encodeURIComponent(model.replace(/^models\//, '')).replace(/%2F/g, '/');
}

/** Config `safety_settings` (same shapes as the header), validated at start-up. */
function defaultSafety(config: ProviderConfig): Json[] | undefined {
  try {
    return parseSafetySettings(config.safety_settings);
  } catch (error) {
    throw new TypeError(`provider ${config.name}: safety_settings: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Build a Gemini-family adapter (shared by `gemini` and `vertex`).
 * @example googleAdapter({ type: 'gemini', config, formats: ['openai.chat'], url: (m, a) => `${base}/models/${m}:${a}`, auth: () => ({}) })
 */
export function googleAdapter(flavour: GoogleFlavour): ProviderAdapter {
  const { config } = flavour;
  const safety = defaultSafety(config);
  const extra = config.headers ?? {};

  function build(call: ProviderCall): UpstreamRequest {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: call.stream ? 'text/event-stream' : 'application/json',
      ...flavour.auth(call),
    };
    for (const name in extra) headers[name.toLowerCase()] = extra[name]!;
    const model = modelId(call.model);
    if (call.format === 'openai.embeddings') {
      const dimensions = typeof call.body.dimensions === 'number' ? call.body.dimensions : undefined;
      const requests = embeddingInputs(config.name, call.body).map((text) => {
        const request: Json = { model: `models/${model}`, content: { parts: [{ text }] } };
        if (dimensions !== undefined) request.outputDimensionality = dimensions;
        return request;
      });
      return { url: flavour.url(model, 'batchEmbedContents'), headers, body: JSON.stringify({ requests }) };
    }
    const body = geminiRequest(config.name, call.body, call.headers, safety);
    return { url: flavour.url(model, call.stream ? 'streamGenerateContent?alt=sse' : 'generateContent'), headers, body: JSON.stringify(body) };
  }

  const translate: JsonTranslator = (call, body, created) => {
    if (call.format === 'openai.embeddings') {
      const vectors = (Array.isArray(body.embeddings) ? body.embeddings : []).map((e) => (Array.isArray(obj(e)?.values) ? (obj(e)!.values as number[]) : []));
      return embeddingList(vectors, call.model, undefined, call.body.encoding_format);
    }
    return geminiToOpenAI(call, body, created);
  };

  const base = createHttpAdapter({
    type: flavour.type,
    config,
    family: 'openai',
    formats: flavour.formats,
    streamFormats: ['openai.chat'],
    build,
    inspectJson(format, body): { usage?: Usage; model?: string } {
      if (format === 'openai.embeddings') return {};
      return { usage: geminiUsage(body.usageMetadata), model: str(body.modelVersion) };
    },
    streamProtocol: (call) => geminiStreamProtocol(call),
  });
  return translatingAdapter(base, translate, flavour.prepare);
}

/**
 * The `gemini` adapter (Google AI Studio). Config: `base_url` (defaults to
 * https://generativelanguage.googleapis.com/v1beta), `api_key` → `x-goog-api-key`,
 * `safety_settings` (used when the client sends no `X-Google-Safety-Settings`), `headers`.
 * @example createGeminiAdapter({ name: 'gemini', type: 'gemini', api_key: process.env.GEMINI_API_KEY })
 */
export function createGeminiAdapter(config: ProviderConfig): ProviderAdapter {
  const base = trimSlash(stringOption(config, 'base_url') ?? GEMINI_BASE_URL);
  validateUrl(config.name, base);
  return googleAdapter({
    type: 'gemini',
    config,
    formats: ['openai.chat', 'openai.embeddings'],
    url: (model, action) => `${base}/models/${model}:${action}`,
    auth(call) {
      const key = call.apiKey ?? config.api_key;
      if (!key) throw new ProviderError(`provider ${config.name} has no API key configured`, { kind: 'auth', provider: config.name });
      return { 'x-goog-api-key': key };
    },
  });
}
