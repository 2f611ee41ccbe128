/**
 * Make any adapter reachable from both client formats: same-format calls pass through
 * untouched; an Anthropic client on an OpenAI-format provider (and the reverse) is translated
 * on the way in and on the way back (JSON, stream, errors).
 * @module
 */
import type { ClientFormat, SseEvent } from '@switchyard/core';
import type { InvokeContext, JsonResult, ProviderAdapter, ProviderCall, ProviderResult, StreamResult } from '../adapter.js';
import { ProviderError } from '../provider-error.js';
import { ESTIMATED_HEADER, MalformedStreamEventError, TranslationNotes, isObj, untranslatable, type Json } from './common.js';
import { estimateAnthropicInputTokens, loadTokenCounter } from './count-tokens.js';
import { anthropicRequestToOpenAI } from './request-anthropic-to-openai.js';
import { DEFAULT_ANTHROPIC_MAX_TOKENS, openAIRequestToAnthropic } from './request-openai-to-anthropic.js';
import { anthropicMessageToOpenAI, openAICompletionToAnthropic } from './responses.js';
import { AnthropicToOpenAIStream } from './stream-anthropic-to-openai.js';
import { OpenAIToAnthropicStream } from './stream-openai-to-anthropic.js';
import { UntranslatableFieldError } from './translation-error.js';

/** Options of {@link withTranslation}. */
export interface TranslationOptions {
  /** `max_tokens` sent to an Anthropic-format provider when an OpenAI client sent none (Anthropic requires it). Defaults to 4096. */
  defaultMaxTokens?: number;
  /**
   * Field that carries an Anthropic client's `max_tokens` to an OpenAI-format provider.
   * Defaults to `max_completion_tokens` for the `openai` type (its reasoning models reject
   * `max_tokens`) and `max_tokens` for every other type (OpenAI-compatible servers).
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** Map Anthropic `thinking` to `reasoning_effort` (a 400 on non-reasoning models). Defaults to false: dropped with a warning. */
  thinkingToReasoningEffort?: boolean;
  /**
   * Report a tokenizer estimate of the input tokens in a translated stream's `message_start`
   * (OpenAI reports usage only at the end; the real count follows in `message_delta`). When
   * false, `message_start` says 0. Defaults to true.
   */
  estimateStreamInputTokens?: boolean;
}

const WRAPPED = Symbol.for('switchyard.translation');

/**
 * Wrap an adapter so it also serves the other wire family by translation. Idempotent.
 * Untranslatable fields reject `invoke` with an {@link UntranslatableFieldError} (400, `param`)
 * before any upstream call; dropped / approximated fields are named in the
 * `x-switchyard-dropped-fields` / `x-switchyard-approximated-fields` result headers.
 * @throws {TypeError} on invalid options.
 * @example
 * const gpt = withTranslation(createOpenAIAdapter({ name: 'openai', type: 'openai', api_key }));
 * await gpt.invoke({ format: 'anthropic.messages', body: anthropicBody, model: 'gpt-4o', stream: true, headers: {}, requestId }, ctx);
 */
export function withTranslation(adapter: ProviderAdapter, options: TranslationOptions = {}): ProviderAdapter {
  if ((adapter as unknown as Record<symbol, unknown>)[WRAPPED]) return adapter;
  const cfg = resolveOptions(adapter, options);
  const provider = adapter.name;

  const route = (format: ClientFormat): 'native' | 'to-openai' | 'to-anthropic' | 'estimate' | undefined => {
    if (adapter.supports(format)) return 'native';
    if (format === 'anthropic.messages' && adapter.supports('openai.chat')) return 'to-openai';
    if (format === 'anthropic.count_tokens' && adapter.supports('openai.chat')) return 'estimate';
    if (format === 'openai.chat' && adapter.supports('anthropic.messages')) return 'to-anthropic';
    return undefined;
  };

  async function invoke(call: ProviderCall, context: InvokeContext): Promise<ProviderResult> {
    const now = context.now ?? Date.now;
    try {
      switch (route(call.format)) {
        case 'to-openai':
          return await anthropicViaOpenAI(call, context);
        case 'to-anthropic':
          return await openAIViaAnthropic(call, context, now);
        case 'estimate':
          return await estimateCount(call, now);
        default:
          return await adapter.invoke(call, context); // native, or the adapter's own "does not serve" error
      }
    } catch (error) {
      throw UntranslatableFieldError.from(error, provider);
    }
  }

  async function anthropicViaOpenAI(call: ProviderCall, context: InvokeContext): Promise<ProviderResult> {
    const notes = new TranslationNotes();
    const body = anthropicRequestToOpenAI(call.body, notes, { maxTokensField: cfg.maxTokensField, thinkingToReasoningEffort: cfg.thinkingToReasoningEffort });
    if (call.headers['anthropic-beta']) notes.drop('anthropic-beta');
    const stopSequences = Array.isArray(call.body.stop_sequences) ? call.body.stop_sequences.filter((s): s is string => typeof s === 'string') : [];
    const counting = call.stream && cfg.estimateStreamInputTokens ? loadTokenCounter() : undefined;
    const result = await adapter.invoke({ ...call, format: 'openai.chat', body }, context);
    if (result.kind === 'json') {
      const completion = parseJson(result.body, provider);
      return withBody(result, JSON.stringify(openAICompletionToAnthropic(completion, provider, stopSequences)), notes);
    }
    if (counting) await counting.catch(() => undefined);
    const estimatedInputTokens = counting ? estimateAnthropicInputTokens(call.body) : 0;
    const translator = new OpenAIToAnthropicStream({ estimatedInputTokens, stopSequences });
    return withEvents(
      result,
      translate(
        result.events,
        (ev) => translator.push(ev),
        () => translator.end(),
        provider,
      ),
      notes,
    );
  }

  async function openAIViaAnthropic(call: ProviderCall, context: InvokeContext, now: () => number): Promise<ProviderResult> {
    const notes = new TranslationNotes();
    const body = openAIRequestToAnthropic(call.body, notes, { defaultMaxTokens: cfg.defaultMaxTokens });
    const result = await adapter.invoke({ ...call, format: 'anthropic.messages', body }, context);
    if (result.kind === 'json') {
      const message = parseJson(result.body, provider);
      const translated = JSON.stringify(anthropicMessageToOpenAI(message, notes, now));
      return withBody(result, translated, notes);
    }
    const includeUsage = isObj(call.body.stream_options) && call.body.stream_options.include_usage === true;
    const translator = new AnthropicToOpenAIStream({ includeUsage, now });
    return withEvents(
      result,
      translate(
        result.events,
        (ev) => translator.push(ev),
        () => translator.end(),
        provider,
      ),
      notes,
    );
  }

  async function estimateCount(call: ProviderCall, now: () => number): Promise<JsonResult> {
    if (!Array.isArray(call.body.messages)) throw untranslatable('messages', 'messages must be an array');
    await loadTokenCounter();
    const inputTokens = estimateAnthropicInputTokens(call.body);
    return { kind: 'json', status: 200, headers: { [ESTIMATED_HEADER]: 'true' }, body: JSON.stringify({ input_tokens: inputTokens }), firstByteAt: now() };
  }

  const wrapped: ProviderAdapter & { [WRAPPED]: true } = {
    name: adapter.name,
    type: adapter.type,
    config: adapter.config,
    models: adapter.models,
    supports: (format) => route(format) !== undefined,
    invoke,
    classify: (info) => adapter.classify(info),
    [WRAPPED]: true,
  };
  return wrapped;
}

function resolveOptions(adapter: ProviderAdapter, options: TranslationOptions): Required<TranslationOptions> {
  if (!options || typeof options !== 'object') throw new TypeError('withTranslation: options must be an object');
  const max = options.defaultMaxTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS;
  if (!Number.isInteger(max) || max < 1) throw new TypeError(`withTranslation(${adapter.name}): defaultMaxTokens must be a positive integer`);
  const field = options.maxTokensField ?? (adapter.type === 'openai' ? 'max_completion_tokens' : 'max_tokens');
  if (field !== 'max_tokens' && field !== 'max_completion_tokens')
    throw new TypeError(`withTranslation(${adapter.name}): maxTokensField must be max_tokens or max_completion_tokens`);
  return {
    defaultMaxTokens: max,
    maxTokensField: field,
    thinkingToReasoningEffort: options.thinkingToReasoningEffort === true,
    estimateStreamInputTokens: options.estimateStreamInputTokens !== false,
  };
}

function parseJson(text: string, provider: string): Json {
  try {
    const value: unknown = JSON.parse(text);
    if (isObj(value)) return value;
  } catch {
    // fall through
  }
  throw new ProviderError('upstream answered with a body that is not a JSON object', { kind: 'server_error', provider });
}

function withBody(result: JsonResult, body: string, notes: TranslationNotes): JsonResult {
  return { ...result, headers: { ...result.headers, ...notes.headers() }, body };
}

function withEvents(result: StreamResult, events: AsyncIterable<SseEvent>, notes: TranslationNotes): StreamResult {
  return { ...result, headers: { ...result.headers, ...notes.headers() }, events };
}

/**
 * Pipe upstream events through a translator. Breaking out closes the upstream iterator (and so
 * the request). A malformed upstream event is the provider's `server_error`, as on the
 * same-format path: the executor treats it as a stream fault.
 */
async function* translate(
  source: AsyncIterable<SseEvent>,
  push: (ev: SseEvent) => SseEvent[],
  end: () => SseEvent[],
  provider: string,
): AsyncGenerator<SseEvent> {
  try {
    for await (const ev of source) yield* push(ev);
  } catch (err) {
    if (err instanceof MalformedStreamEventError) throw new ProviderError(err.message, { kind: 'server_error', provider, cause: err });
    throw err;
  }
  yield* end();
}
