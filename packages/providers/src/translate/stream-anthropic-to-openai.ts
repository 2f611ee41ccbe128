/**
 * An Anthropic Messages event stream, event by event, as OpenAI `chat.completion.chunk`s.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 * @module
 */
import type { SseEvent } from '@switchyard/core';
import { epochSeconds, eventObject, isObj, type Json } from './common.js';
import { toOpenAIFinishReason } from './reasons.js';
import { anthropicUsageToOpenAI } from './usage-map.js';

/** Options of {@link AnthropicToOpenAIStream}. */
export interface AnthropicToOpenAIStreamOptions {
  /** Send the final usage chunk (`stream_options.include_usage`). Defaults to false. */
  includeUsage?: boolean;
  /** Clock in ms (for `created`). Defaults to Date.now. */
  now?: () => number;
}

interface ThinkingState {
  text: string;
  signature: string;
}

/**
 * Incremental translator: feed each upstream Anthropic event to {@link push}, write what it
 * returns. The first chunk carries `role`; `tool_use` blocks become `tool_calls` deltas whose
 * `index` counts tool calls only (not content blocks); `input_json_delta` fragments are forwarded
 * unchanged as `arguments` fragments; `thinking_delta` becomes `reasoning_content`; a finished
 * thinking block is sent whole with its signature as `thinking_blocks`. `message_delta` usage is
 * cumulative (the latest value replaces). `message_stop` yields the finish chunk, the usage chunk
 * when asked for, and `[DONE]`.
 * @example
 * const t = new AnthropicToOpenAIStream({ includeUsage: true });
 * for await (const ev of upstream) for (const out of t.push(ev)) write(out);
 */
export class AnthropicToOpenAIStream {
  readonly #includeUsage: boolean;
  readonly #now: () => number;
  #id = '';
  #model = '';
  #created = 0;
  #started = false;
  #done = false;
  #usage: Json = {};
  #stopReason: unknown = null;
  /** Anthropic content-block index -> OpenAI tool_calls index. */
  readonly #toolIndex = new Map<number, number>();
  readonly #thinking = new Map<number, ThinkingState>();

  constructor(options: AnthropicToOpenAIStreamOptions = {}) {
    this.#includeUsage = options.includeUsage === true;
    this.#now = options.now ?? Date.now;
  }

  /** Usage so far, as an OpenAI usage object. */
  usage(): Json {
    return anthropicUsageToOpenAI(this.#usage);
  }

  /** Translate one upstream event into zero or more client events. */
  push(ev: SseEvent): SseEvent[] {
    if (this.#done) return [];
    // A broken event is a broken stream, never a silently skipped one.
    const data = eventObject(ev);
    switch (data.type) {
      case 'message_start':
        return this.#start(isObj(data.message) ? data.message : {});
      case 'content_block_start':
        return this.#blockStart(Number(data.index), isObj(data.content_block) ? data.content_block : {});
      case 'content_block_delta':
        return this.#blockDelta(Number(data.index), isObj(data.delta) ? data.delta : {});
      case 'content_block_stop':
        return this.#blockStop(Number(data.index));
      case 'message_delta':
        if (isObj(data.delta) && data.delta.stop_reason !== undefined) this.#stopReason = data.delta.stop_reason;
        this.#mergeUsage(data.usage);
        return [];
      case 'message_stop':
        return this.#finish();
      default:
        return []; // ping, and events added to the protocol later
    }
  }

  /** The upstream ended: complete the client stream if `message_stop` never came (the adapter has already judged completeness). */
  end(): SseEvent[] {
    return this.#done ? [] : this.#finish();
  }

  #chunk(delta: Json, finishReason: string | null = null): SseEvent {
    return {
      data: JSON.stringify({
        id: this.#id,
        object: 'chat.completion.chunk',
        created: this.#created,
        model: this.#model,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      }),
    };
  }

  #start(message: Json): SseEvent[] {
    this.#id = String(message.id ?? '');
    this.#model = String(message.model ?? '');
    this.#created = epochSeconds(this.#now);
    this.#mergeUsage(message.usage);
    this.#started = true;
    return [this.#chunk({ role: 'assistant', content: '' })];
  }

  #mergeUsage(raw: unknown): void {
    if (!isObj(raw)) return;
    // Cumulative: a later value replaces, never adds; a null keeps the earlier one.
    for (const [k, v] of Object.entries(raw)) if (v !== null && v !== undefined) this.#usage[k] = v;
  }

  #blockStart(index: number, block: Json): SseEvent[] {
    switch (block.type) {
      case 'text':
        return typeof block.text === 'string' && block.text !== '' ? [this.#chunk({ content: block.text })] : [];
      case 'tool_use': {
        const toolIndex = this.#toolIndex.size;
        this.#toolIndex.set(index, toolIndex);
        const input = isObj(block.input) && Object.keys(block.input).length > 0 ? JSON.stringify(block.input) : '';
        return [this.#chunk({ tool_calls: [{ index: toolIndex, id: block.id, type: 'function', function: { name: block.name, arguments: input } }] })];
      }
      case 'thinking':
        this.#thinking.set(index, { text: String(block.thinking ?? ''), signature: String(block.signature ?? '') });
        return block.thinking ? [this.#chunk({ reasoning_content: block.thinking })] : [];
      case 'redacted_thinking':
        return [this.#chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: block.data }] })];
      default:
        return [];
    }
  }

  #blockDelta(index: number, delta: Json): SseEvent[] {
    switch (delta.type) {
      case 'text_delta':
        return typeof delta.text === 'string' && delta.text !== '' ? [this.#chunk({ content: delta.text })] : [];
      case 'input_json_delta': {
        const toolIndex = this.#toolIndex.get(index);
        if (toolIndex === undefined || typeof delta.partial_json !== 'string' || delta.partial_json === '') return [];
        return [this.#chunk({ tool_calls: [{ index: toolIndex, function: { arguments: delta.partial_json } }] })];
      }
      case 'thinking_delta': {
        const state = this.#thinking.get(index);
        if (state) state.text += String(delta.thinking ?? '');
        return typeof delta.thinking === 'string' && delta.thinking !== '' ? [this.#chunk({ reasoning_content: delta.thinking })] : [];
      }
      case 'signature_delta': {
        const state = this.#thinking.get(index);
        if (state) state.signature += String(delta.signature ?? '');
        return [];
      }
      default:
        return []; // citations_delta: OpenAI chat has no place for them
    }
  }

  #blockStop(index: number): SseEvent[] {
    const state = this.#thinking.get(index);
    if (!state) return [];
    this.#thinking.delete(index);
    return [this.#chunk({ thinking_blocks: [{ type: 'thinking', thinking: state.text, signature: state.signature }] })];
  }

  #finish(): SseEvent[] {
    this.#done = true;
    const out: SseEvent[] = [];
    if (!this.#started) out.push(...this.#start({}));
    out.push(this.#chunk({}, toOpenAIFinishReason(this.#stopReason)));
    if (this.#includeUsage) {
      out.push({
        data: JSON.stringify({ id: this.#id, object: 'chat.completion.chunk', created: this.#created, model: this.#model, choices: [], usage: this.usage() }),
      });
    }
    out.push({ data: '[DONE]' });
    return out;
  }
}
