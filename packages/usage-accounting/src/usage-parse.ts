import { eventJson, familyOf, hasKeyValue, topLevelString, valueIndex, type ClientFormat, type SseEvent, type Usage } from '@switchyard/core';

type Json = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
const has = (o: Json, k: string): boolean => typeof o[k] === 'number';
const obj = (v: unknown): Json | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
/** One-hour cache writes of Anthropic's `cache_creation` breakdown (0 when absent). */
const oneHourWrites = (u: Json): number => num(obj(u.cache_creation)?.ephemeral_1h_input_tokens);

/**
 * Normalise an OpenAI `usage` object. `prompt_tokens` includes cached tokens, so they are
 * taken out of `inputTokens` and priced once, as cache reads.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage
 */
export function fromOpenAiUsage(u: Json): Usage {
  const cached = num(obj(u.prompt_tokens_details)?.cached_tokens);
  // Some OpenAI-compatible servers report cache writes; OpenAI itself does not.
  const cacheWrite = num(obj(u.prompt_tokens_details)?.cache_creation_tokens ?? u.cache_creation_input_tokens);
  const prompt = num(u.prompt_tokens ?? u.input_tokens);
  return {
    inputTokens: Math.max(0, prompt - cached - cacheWrite),
    cacheReadTokens: cached,
    cacheWriteTokens: cacheWrite,
    cacheWrite1hTokens: oneHourWrites(u),
    outputTokens: num(u.completion_tokens ?? u.output_tokens),
    reasoningTokens: num(obj(u.completion_tokens_details)?.reasoning_tokens),
    source: 'provider',
  };
}

/**
 * Normalise an Anthropic `usage` object: `input_tokens` already excludes cache reads and writes;
 * `cache_creation.ephemeral_1h_input_tokens` says how many of the writes are one-hour writes.
 * @see https://docs.anthropic.com/en/api/messages#response-usage
 */
export function fromAnthropicUsage(u: Json): Usage {
  return {
    inputTokens: num(u.input_tokens),
    cacheReadTokens: num(u.cache_read_input_tokens),
    cacheWriteTokens: num(u.cache_creation_input_tokens),
    cacheWrite1hTokens: oneHourWrites(u),
    outputTokens: num(u.output_tokens),
    reasoningTokens: 0,
    source: 'provider',
  };
}

/**
 * Usage reported in a JSON response body in the client's format, or undefined when the body
 * has none. Used when the executor did not put `exchange.usage` on the exchange.
 * @example usageFromJson('openai.chat', '{"usage":{"prompt_tokens":10,"completion_tokens":2}}')
 */
export function usageFromJson(format: ClientFormat, body: string | Json): Usage | undefined {
  let parsed: Json | undefined;
  try {
    parsed = typeof body === 'string' ? obj(JSON.parse(body)) : body;
  } catch {
    return undefined;
  }
  const usage = obj(parsed?.usage);
  if (!usage) return undefined;
  return familyOf(format) === 'anthropic' ? fromAnthropicUsage(usage) : fromOpenAiUsage(usage);
}

/** Whether a usage record counts nothing at all. */
export function isEmptyUsage(u: Usage | undefined): boolean {
  return !u || u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens === 0;
}

/**
 * How OpenAI-style servers end every chunk but the last once `stream_options.include_usage` is
 * set: a null usage as the chunk's last member (compact, or with Python's default separators).
 */
const NULL_USAGE_TAILS = [',"usage":null}', ', "usage": null}'];

/** The chunk text without its trailing null usage member; undefined when it does not end with one. */
function withoutNullUsageTail(data: string): string | undefined {
  for (const tail of NULL_USAGE_TAILS) if (data.endsWith(tail)) return `${data.slice(0, -tail.length)}}`;
  return undefined;
}

/** Whether an OpenAI chunk's text gives a choice a finish reason (not `"finish_reason":null`), without parsing it. */
function finishesChoice(data: string): boolean {
  for (let i = valueIndex(data, '"finish_reason"'); i !== -1; i = valueIndex(data, '"finish_reason"', i)) {
    if (data.startsWith('"', i)) return true; // a string, not null
  }
  return false;
}

/** Key of the exchange's stream observer in `exchange.locals` (traces read the id and finish reasons there). */
export const STREAM_OBSERVER = Symbol('switchyard.usage-accounting.stream-observer');

/**
 * Watches a stream in the client's format as it passes: picks up the usage the provider
 * reported (OpenAI's usage chunk; Anthropic's `message_start` and cumulative `message_delta`),
 * keeps the event data for a tokenizer estimate if the stream is cut, and tells the caller
 * which events to drop or rewrite so a client that did not ask for usage never sees it. It also
 * notes the response id and finish reasons, for traces.
 */
export class StreamUsageObserver {
  readonly #family: 'openai' | 'anthropic';
  readonly #stripUsage: boolean;
  readonly #maxKeptChars: number;
  #usage: Usage | undefined;
  /** The provider sent its final usage (OpenAI usage chunk, Anthropic message_delta usage). */
  sawFinalUsage = false;
  /** Event data kept for estimation and body capture, up to a size cap. */
  readonly data: string[] = [];
  #keptChars = 0;
  /** Data was dropped from `data` because of the cap. */
  truncated = false;
  /** The response's id, as the stream states it (OpenAI chunk `id`, Anthropic `message.id`). */
  responseId: string | undefined;
  /** Why generation stopped, per choice (OpenAI `finish_reason`, Anthropic `stop_reason`). */
  readonly finishReasons: string[] = [];
  #sawFirst = false;

  /**
   * @param stripUsage drop OpenAI usage-only chunks and `usage` fields (the client did not ask).
   * @param maxKeptChars cap on event data kept for estimation.
   */
  constructor(format: ClientFormat, stripUsage: boolean, maxKeptChars: number) {
    this.#family = familyOf(format);
    this.#stripUsage = stripUsage && this.#family === 'openai';
    this.#maxKeptChars = maxKeptChars;
  }

  /** Usage reported so far (Anthropic's is cumulative: the latest values win). */
  get usage(): Usage | undefined {
    return this.#usage;
  }

  /** Observe one event; returns the event to forward (maybe rewritten) or undefined to drop it. */
  observe(ev: SseEvent): SseEvent | undefined {
    const data = ev.data;
    if (this.#keptChars + data.length <= this.#maxKeptChars) {
      this.data.push(data);
      this.#keptChars += data.length;
    } else {
      this.truncated = true;
    }
    return this.#family === 'openai' ? this.#openai(ev) : this.#anthropic(ev);
  }

  #openai(ev: SseEvent): SseEvent | undefined {
    // The first chunk's id is read by a walk over its top level; only chunks that finish a
    // choice or mention usage are parsed: the rest pass through untouched.
    if (!this.#sawFirst) {
      this.#sawFirst = true;
      this.responseId = topLevelString(ev.data, '"id"');
    }
    const finishing = finishesChoice(ev.data);
    const usageAt = valueIndex(ev.data, '"usage"');
    if (!finishing && (usageAt === -1 || (ev.data.startsWith('null', usageAt) && !hasKeyValue(ev.data, '"usage"', usageAt)))) {
      // No usage, or only OpenAI's `"usage":null` on every chunk once usage is asked for: nothing
      // to read. For a client that did not ask, the null member goes without a parse when it
      // ends the chunk (as OpenAI writes it); elsewhere the parse below removes it.
      if (!this.#stripUsage || usageAt === -1) return ev;
      const data = withoutNullUsageTail(ev.data);
      if (data !== undefined) return { ...ev, data };
    }
    const chunk = obj(eventJson(ev));
    if (!chunk) return ev;
    if (finishing && Array.isArray(chunk.choices)) {
      for (const choice of chunk.choices) {
        const reason = obj(choice)?.finish_reason;
        if (typeof reason === 'string') this.finishReasons.push(reason);
      }
    }
    const usage = obj(chunk.usage);
    if (usage) {
      this.#usage = fromOpenAiUsage(usage);
      this.sawFinalUsage = true;
    }
    if (!this.#stripUsage || !('usage' in chunk)) return ev;
    const choices = chunk.choices;
    if (usage && Array.isArray(choices) && choices.length === 0) return undefined;
    const { usage: _dropped, ...rest } = chunk;
    return { ...ev, data: JSON.stringify(rest) };
  }

  #anthropic(ev: SseEvent): SseEvent {
    const type = ev.event;
    if (type !== 'message_start' && type !== 'message_delta') return ev;
    const payload = obj(eventJson(ev));
    const message = type === 'message_start' ? obj(payload?.message) : undefined;
    if (typeof message?.id === 'string') this.responseId ??= message.id;
    const reason = type === 'message_delta' ? obj(payload?.delta)?.stop_reason : undefined;
    if (typeof reason === 'string') this.finishReasons.splice(0, Infinity, reason);
    const usage = message ? obj(message.usage) : obj(payload?.usage);
    if (!usage) return ev;
    const next = fromAnthropicUsage(usage);
    const prev = this.#usage;
    // message_delta counts are cumulative and may omit the input classes: keep what
    // message_start said unless the delta restates it.
    this.#usage = prev
      ? {
          inputTokens: has(usage, 'input_tokens') ? next.inputTokens : prev.inputTokens,
          cacheReadTokens: has(usage, 'cache_read_input_tokens') ? next.cacheReadTokens : prev.cacheReadTokens,
          cacheWriteTokens: has(usage, 'cache_creation_input_tokens') ? next.cacheWriteTokens : prev.cacheWriteTokens,
          cacheWrite1hTokens: obj(usage.cache_creation) ? next.cacheWrite1hTokens : prev.cacheWrite1hTokens,
          outputTokens: has(usage, 'output_tokens') ? next.outputTokens : prev.outputTokens,
          reasoningTokens: 0,
          source: 'provider',
        }
      : next;
    if (type === 'message_delta') this.sawFinalUsage = true;
    return ev;
  }
}
