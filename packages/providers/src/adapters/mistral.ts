/**
 * Mistral La Plateforme: OpenAI-like `/v1/chat/completions` and `/v1/embeddings` with a few
 * deviations, fixed in the request body (answers pass through verbatim).
 * @see https://docs.mistral.ai/api/
 * @module
 */
import { createHash } from 'node:crypto';
import type { ClientFormat } from '@switchyard/core';
import type { ProviderAdapter, ProviderCall, ProviderConfig } from '../adapter.js';
import { callKey, jsonCallHeaders } from './call-headers.js';
import { createHttpAdapter, type UpstreamRequest } from './http-adapter.js';
import { inspectOpenAIJson, stringOption, trimSlash, validateUrl } from './openai.js';
import { openAIStreamProtocol } from './openai-stream.js';
import { obj, type Json } from './openai-shapes.js';
import { MISTRAL_CHAT_FIELDS, MISTRAL_EMBEDDING_FIELDS, MISTRAL_MESSAGE_FIELDS } from './mistral-fields.js';

/** Defaults to the public API. */
export const MISTRAL_BASE_URL = 'https://api.mistral.ai/v1';

const PATHS: Partial<Record<ClientFormat, string>> = { 'openai.chat': '/chat/completions', 'openai.embeddings': '/embeddings' };

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Mistral accepts only tool-call ids of 9 letters/digits. Other ids (OpenAI's `call_…`, ids
 * from other providers in a routed conversation) are mapped to 9 characters derived from a hash,
 * so the same id always maps to the same value in the assistant turn and in its tool result.
 * @example mistralToolCallId('call_abc123') // 9 alphanumeric characters
 */
export function mistralToolCallId(id: string): string {
  if (/^[a-zA-Z0-9]{9}$/.test(id)) return id;
  const digest = createHash('sha256').update(id).digest();
  let out = '';
  for (let i = 0; i < 9; i++) out += ALNUM[digest[i]! % ALNUM.length];
  return out;
}

/**
 * One message as Mistral's schema for its role defines it: `developer` → `system`, tool-call ids
 * mapped, and every field the role's schema lacks removed (the `refusal: null` an OpenAI SDK
 * sends back on assistant turns, `name` on user messages, …: Mistral answers 422 to them).
 */
function mistralMessage(raw: unknown): unknown {
  const m = obj(raw);
  if (!m) return raw;
  const role = m.role === 'developer' ? 'system' : m.role;
  const fields = typeof role === 'string' ? MISTRAL_MESSAGE_FIELDS[role] : undefined;
  if (!fields) return raw; // an unknown role: Mistral's own error names it
  const out: Json = { role };
  for (const key in m) {
    if (key === 'role' || !fields.has(key)) continue;
    const value = m[key];
    if (key === 'tool_calls' && Array.isArray(value)) {
      out.tool_calls = value.map((tc) => (typeof obj(tc)?.id === 'string' ? { ...obj(tc), id: mistralToolCallId(obj(tc)!.id as string) } : tc));
    } else if (key === 'tool_call_id' && typeof value === 'string') out.tool_call_id = mistralToolCallId(value);
    else out[key] = value;
  }
  return out;
}

/**
 * Rewrite an OpenAI body for Mistral: `seed` → `random_seed`, `max_completion_tokens` →
 * `max_tokens`, `developer` role → `system`, tool-call ids to 9 characters, embeddings
 * `dimensions` → `output_dimension`; then only the fields Mistral's published schemas define are
 * kept (request and per-message, {@link MISTRAL_CHAT_FIELDS}); config `safe_prompt` is added when
 * the client did not send one.
 * @example mistralBody('openai.chat', { model: 'a', seed: 1, user: 'u' }, 'mistral-large-latest', false) // { model: 'mistral-large-latest', random_seed: 1, safe_prompt: false }
 */
export function mistralBody(format: ClientFormat, body: Json, model: string, safePrompt: boolean | undefined): Json {
  const out: Json = {};
  if (format === 'openai.embeddings') {
    for (const key in body) {
      // Mistral only returns floats here: base64 is produced by the adapter.
      if (key === 'dimensions') out.output_dimension = body[key];
      else if (key !== 'encoding_format' && MISTRAL_EMBEDDING_FIELDS.has(key)) out[key] = body[key];
    }
    out.model = model;
    return out;
  }
  for (const key in body) {
    const value = body[key];
    if (key === 'seed') out.random_seed ??= value;
    else if (key === 'max_completion_tokens') out.max_tokens ??= value;
    else if (key === 'messages' && Array.isArray(value)) out.messages = value.map(mistralMessage);
    else if (MISTRAL_CHAT_FIELDS.has(key)) out[key] = value;
  }
  out.model = model;
  if (safePrompt !== undefined && out.safe_prompt === undefined) out.safe_prompt = safePrompt;
  return out;
}

/**
 * Mistral's chat answer with the fields OpenAI's schema requires and Mistral omits added as
 * null (`choices[].logprobs`, `choices[].message.refusal`) and Mistral's `tool_calls: null`
 * removed, so OpenAI clients get a conformant `chat.completion`. The bytes are kept as they are
 * when nothing needs changing.
 * @example mistralChatAnswer('{"choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}') // …"finish_reason":"stop","logprobs":null} with "refusal":null in the message
 */
export function mistralChatAnswer(body: string): string {
  let parsed: { choices?: unknown };
  try {
    parsed = JSON.parse(body) as { choices?: unknown };
  } catch {
    return body;
  }
  if (!parsed || !Array.isArray(parsed.choices)) return body;
  let changed = false;
  for (const choice of parsed.choices as Json[]) {
    if (!choice || typeof choice !== 'object') continue;
    if (!('logprobs' in choice)) {
      choice.logprobs = null;
      changed = true;
    }
    const message = choice.message as Json | undefined;
    if (!message || typeof message !== 'object') continue;
    if (!('refusal' in message)) {
      message.refusal = null;
      changed = true;
    }
    // Mistral writes `tool_calls: null` in text answers; OpenAI's schema has an array or nothing.
    if (message.tool_calls === null) {
      delete message.tool_calls;
      changed = true;
    }
  }
  return changed ? JSON.stringify(parsed) : body;
}

/**
 * The `mistral` adapter. Config: `base_url` (defaults to https://api.mistral.ai/v1), `api_key`
 * (Bearer), `safe_prompt` (boolean added to chat requests that lack one; defaults to not sent),
 * `headers`.
 * @example createMistralAdapter({ name: 'mistral', type: 'mistral', api_key: process.env.MISTRAL_API_KEY })
 */
export function createMistralAdapter(config: ProviderConfig): ProviderAdapter {
  const base = trimSlash(stringOption(config, 'base_url') ?? MISTRAL_BASE_URL);
  validateUrl(config.name, base);
  if (config.safe_prompt !== undefined && typeof config.safe_prompt !== 'boolean')
    throw new TypeError(`provider ${config.name}: safe_prompt must be a boolean`);
  const safePrompt = config.safe_prompt as boolean | undefined;
  const extra = config.headers ?? {};

  function build(call: ProviderCall): UpstreamRequest {
    const headers = jsonCallHeaders(call, { authorization: `Bearer ${callKey(config, call)}` }, extra);
    return { url: base + PATHS[call.format]!, headers, body: JSON.stringify(mistralBody(call.format, call.body, call.model, safePrompt)) };
  }

  const adapter = createHttpAdapter({
    type: 'mistral',
    config,
    family: 'openai',
    formats: ['openai.chat', 'openai.embeddings'],
    streamFormats: ['openai.chat'],
    build,
    inspectJson: inspectOpenAIJson,
    streamProtocol: openAIStreamProtocol,
  });
  return {
    ...adapter,
    async invoke(call, context) {
      const result = await adapter.invoke(call, context);
      if (result.kind === 'json' && call.format === 'openai.chat' && result.status < 300) result.body = mistralChatAnswer(result.body);
      // Mistral only returns floats: honour OpenAI's base64 encoding ourselves.
      if (result.kind === 'json' && call.format === 'openai.embeddings' && call.body.encoding_format === 'base64') {
        const parsed = JSON.parse(result.body) as { data?: { embedding?: unknown }[] };
        for (const item of parsed.data ?? []) {
          if (Array.isArray(item.embedding)) item.embedding = Buffer.from(new Float32Array(item.embedding as number[]).buffer).toString('base64');
        }
        result.body = JSON.stringify(parsed);
      }
      return result;
    },
  };
}
