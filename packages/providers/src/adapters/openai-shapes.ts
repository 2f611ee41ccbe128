/**
 * What the translating adapters (Gemini, Vertex, Cohere, Mistral embeddings) share: reading
 * OpenAI request parts, building OpenAI chat.completion / chunk / embedding bodies, stable
 * tool-call ids, and {@link translatingAdapter}, which rewrites the JSON answer of a
 * {@link createHttpAdapter} adapter into the client's format.
 * @see https://platform.openai.com/docs/api-reference/chat/object
 * @module
 */
import { createHash } from 'node:crypto';
import type { SseEvent } from '@switchyard/core';
import type { ProviderAdapter, ProviderCall } from '../adapter.js';
import { ProviderError, isProviderError } from '../provider-error.js';
import { providerErrorFrom, StreamFailure } from './http-adapter.js';

export type Json = Record<string, unknown>;

/** The value when it is a plain object. */
export function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A client-side mistake the upstream cannot express: a 400 in the client's format, no failover. */
export function badRequest(provider: string, message: string): ProviderError {
  return new ProviderError(message, { kind: 'bad_request', provider });
}

/** OpenAI message content normalised to parts. */
export type ContentPart = { type: 'text'; text: string } | { type: 'image'; url: string } | { type: 'audio'; data: string; format: string };

/**
 * Read OpenAI `content` (a string, or an array of text / image_url / input_audio parts).
 * @example contentParts('hi') // [{ type: 'text', text: 'hi' }]
 */
export function contentParts(provider: string, content: unknown): ContentPart[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw badRequest(provider, 'message content must be a string or an array of parts');
  const out: ContentPart[] = [];
  for (const raw of content) {
    const part = obj(raw);
    if (part?.type === 'text' && typeof part.text === 'string') out.push({ type: 'text', text: part.text });
    else if (part?.type === 'image_url') {
      const image = part.image_url;
      const url = typeof image === 'string' ? image : str(obj(image)?.url);
      if (!url) throw badRequest(provider, 'image_url part without a url');
      out.push({ type: 'image', url });
    } else if (part?.type === 'input_audio') {
      const audio = obj(part.input_audio);
      if (typeof audio?.data !== 'string') throw badRequest(provider, 'input_audio part without data');
      out.push({ type: 'audio', data: audio.data, format: str(audio.format) ?? 'wav' });
    } else if (part?.type === 'refusal' && typeof part.refusal === 'string') out.push({ type: 'text', text: part.refusal });
    else throw badRequest(provider, `unsupported content part type ${JSON.stringify(part?.type)}`);
  }
  return out;
}

/** Only the text of OpenAI content (for roles that take text only). */
export function contentText(provider: string, content: unknown): string {
  return contentParts(provider, content)
    .map((p) => (p.type === 'text' ? p.text : ''))
    .join('');
}

/**
 * `data:image/png;base64,AAAA` to its parts; undefined for any other URL.
 * @example parseDataUrl('data:image/png;base64,AAAA') // { mimeType: 'image/png', data: 'AAAA' }
 */
export function parseDataUrl(url: string): { mimeType: string; data: string } | undefined {
  const match = /^data:([\w.+-]+\/[\w.+-]+)(?:;[\w-]+=[^;,]*)*;base64,(.*)$/s.exec(url);
  return match ? { mimeType: match[1]!, data: match[2]! } : undefined;
}

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

/** Mime type from a URL's file extension, for providers that need one next to a file URL. */
export function mimeFromUrl(url: string): string | undefined {
  const path = url.split(/[?#]/)[0]!;
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return ext ? MIME_BY_EXTENSION[ext] : undefined;
}

/**
 * A tool-call id that is the same every time the same call is translated (providers without
 * ids: Gemini). Deterministic, so a retried or replayed answer keeps its ids.
 * @example stableToolCallId('resp-1', 0, 'get_weather') // 'call_…' (24 hex chars)
 */
export function stableToolCallId(...parts: unknown[]): string {
  return `call_${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 24)}`;
}

/** One tool call in an OpenAI message. */
export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** One choice of a non-streamed OpenAI answer. */
export interface OpenAIChoice {
  index: number;
  message: { role: 'assistant'; content: string | null; refusal: null; tool_calls?: OpenAIToolCall[] };
  finish_reason: string;
  logprobs: null;
}

/**
 * A `chat.completion` object.
 * @example chatCompletion({ id: 'chatcmpl-1', model: 'm', created: 1, choices: [] })
 */
export function chatCompletion(init: { id: string; model: string; created: number; choices: OpenAIChoice[]; usage?: Json }): string {
  const body: Json = { id: init.id, object: 'chat.completion', created: init.created, model: init.model, choices: init.choices };
  if (init.usage) body.usage = init.usage;
  return JSON.stringify(body);
}

/** An assistant message from text and tool calls. */
export function assistantMessage(text: string, toolCalls: OpenAIToolCall[]): OpenAIChoice['message'] {
  const message: OpenAIChoice['message'] = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text, refusal: null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

/** A `chat.completion.chunk` event. */
export function chunkEvent(init: { id: string; model: string; created: number; choices: Json[]; usage?: Json }): SseEvent {
  const body: Json = { id: init.id, object: 'chat.completion.chunk', created: init.created, model: init.model, choices: init.choices };
  if (init.usage) body.usage = init.usage;
  return { data: JSON.stringify(body) };
}

export const DONE_EVENT: SseEvent = Object.freeze({ data: '[DONE]' });

/** Whether the client asked for the usage chunk (`stream_options.include_usage`). */
export function wantsStreamUsage(body: Json): boolean {
  return obj(body.stream_options)?.include_usage === true;
}

/** OpenAI `usage` from token counts (prompt includes cached, completion includes reasoning). */
export function openAIUsageBody(u: { prompt: number; completion: number; cached?: number; reasoning?: number }): Json {
  const usage: Json = { prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion };
  if (u.cached) usage.prompt_tokens_details = { cached_tokens: u.cached };
  if (u.reasoning) usage.completion_tokens_details = { reasoning_tokens: u.reasoning };
  return usage;
}

/**
 * Embedding inputs as strings. Token-id arrays cannot be sent to providers that take text.
 * @example embeddingInputs('p', { input: ['a', 'b'] }) // ['a', 'b']
 */
export function embeddingInputs(provider: string, body: Json): string[] {
  const input = body.input;
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((x) => typeof x === 'string')) return input as string[];
  throw badRequest(provider, 'input must be a string or a non-empty array of strings (token arrays are not supported by this provider)');
}

/** An OpenAI embeddings list; `encoding_format: 'base64'` gets little-endian float32 base64, as OpenAI sends. */
export function embeddingList(vectors: number[][], model: string, promptTokens: number | undefined, encodingFormat: unknown): string {
  const data = vectors.map((vector, index) => ({
    object: 'embedding',
    index,
    embedding: encodingFormat === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
  }));
  return JSON.stringify({ object: 'list', data, model, usage: { prompt_tokens: promptTokens ?? 0, total_tokens: promptTokens ?? 0 } });
}

/**
 * Rewrites a JSON answer into the client's format. Answers that are failures throw a
 * {@link ProviderError}, or a {@link StreamFailure} whose `body` is classified like an error body.
 */
export type JsonTranslator = (call: ProviderCall, body: Json, created: number) => string;

/**
 * Wrap an adapter built by createHttpAdapter so its JSON answers are translated (stream events
 * are translated by the adapter's StreamProtocol). `prepare` may rewrite the call first
 * (Vertex puts its access token in `apiKey`).
 * @example translatingAdapter(base, (call, body, created) => toOpenAI(body, created))
 */
export function translatingAdapter(
  base: ProviderAdapter,
  translate: JsonTranslator,
  prepare?: (call: ProviderCall, context: Parameters<ProviderAdapter['invoke']>[1]) => Promise<ProviderCall>,
): ProviderAdapter {
  const invoke: ProviderAdapter['invoke'] = async function invoke(call, context) {
    const prepared = prepare ? await prepare(call, context) : call;
    const result = await base.invoke(prepared, context);
    if (result.kind !== 'json') return result;
    let parsed: Json | undefined;
    try {
      parsed = obj(JSON.parse(result.body));
    } catch {
      parsed = undefined;
    }
    if (!parsed)
      throw new ProviderError('upstream answered with a body that is not a JSON object', {
        kind: 'server_error',
        provider: base.name,
        upstreamStatus: result.status,
      });
    try {
      result.body = translate(prepared, parsed, Math.floor((context.now ?? Date.now)() / 1000));
    } catch (error) {
      if (isProviderError(error)) throw error;
      if (error instanceof StreamFailure && error.init.body !== undefined)
        throw providerErrorFrom(base.name, base.classify({ body: error.init.body }), { status: result.status });
      throw new ProviderError('could not translate the upstream answer', {
        kind: 'server_error',
        provider: base.name,
        upstreamStatus: result.status,
        cause: error,
      });
    }
    return result;
  };
  return {
    name: base.name,
    type: base.type,
    config: base.config,
    models: base.models,
    supports: (f) => base.supports(f),
    classify: (info) => base.classify(info),
    invoke,
  };
}
