/**
 * An OpenAI chat-completion chunk stream, chunk by chunk, as Anthropic Messages events.
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { SseEvent } from '@switchyard/core';
import { eventObject, isObj, type Json } from './common.js';
import { toAnthropicStopReason } from './reasons.js';
import { openAIUsageToAnthropic } from './usage-map.js';

/** Options of {@link OpenAIToAnthropicStream}. */
export interface OpenAIToAnthropicStreamOptions {
  /**
   * Input tokens to report in `message_start` (OpenAI only reports usage at the end). The real
   * count follows in `message_delta`. Defaults to 0.
   */
  estimatedInputTokens?: number;
  /** The request's stop sequences (to report `stop_sequence` when the server names the match). Defaults to none. */
  stopSequences?: readonly string[];
}

type BlockKind = 'text' | 'thinking' | 'tool_use';

/**
 * Incremental translator: feed each upstream OpenAI event (`data:` chunk or `[DONE]`) to
 * {@link push}, write what it returns. The first chunk yields `message_start`; text, reasoning
 * (`reasoning_content` / `reasoning`) and each tool call become their own content blocks with
 * `content_block_start` / `_delta` / `_stop`; tool-call `arguments` fragments are routed by their
 * `index` to their block as `input_json_delta`; `[DONE]` yields `message_delta` (stop reason and
 * the real usage, cumulative) and `message_stop`.
 * @example
 * const t = new OpenAIToAnthropicStream({ estimatedInputTokens: 120 });
 * for await (const ev of upstream) for (const out of t.push(ev)) write(out);
 */
export class OpenAIToAnthropicStream {
  readonly #estimate: number;
  readonly #stops: readonly string[];
  #started = false;
  #done = false;
  #nextBlock = 0;
  #open: { index: number; kind: BlockKind } | undefined;
  /** OpenAI tool_calls index -> Anthropic block index. */
  readonly #tools = new Map<number, number>();
  #usage: Json | undefined;
  #finish: unknown = null;
  #matched: string | null = null;
  #refused = false;

  constructor(options: OpenAIToAnthropicStreamOptions = {}) {
    this.#estimate = options.estimatedInputTokens ?? 0;
    this.#stops = options.stopSequences ?? [];
  }

  /** The latest upstream usage, as an Anthropic usage object. */
  usage(): Json {
    return openAIUsageToAnthropic(this.#usage);
  }

  /** Translate one upstream event into zero or more client events. */
  push(ev: SseEvent): SseEvent[] {
    if (this.#done) return [];
    if (ev.data.trim() === '[DONE]') return this.#end();
    // A broken event is a broken stream, never a silently skipped one.
    const chunk = eventObject(ev);
    const out: SseEvent[] = [];
    if (!this.#started) out.push(this.#start(chunk));
    if (isObj(chunk.usage)) this.#usage = chunk.usage;
    const choice = Array.isArray(chunk.choices) ? chunk.choices.find((c: unknown) => isObj(c) && (c.index ?? 0) === 0) : undefined;
    if (!isObj(choice)) return out;
    const delta = isObj(choice.delta) ? choice.delta : {};
    const reasoning = typeof delta.reasoning_content === 'string' ? delta.reasoning_content : delta.reasoning;
    if (typeof reasoning === 'string' && reasoning !== '') {
      this.#ensure('thinking', out, { type: 'thinking', thinking: '', signature: '' });
      out.push(this.#delta({ type: 'thinking_delta', thinking: reasoning }));
    }
    if (Array.isArray(delta.thinking_blocks)) for (const b of delta.thinking_blocks) if (isObj(b)) this.#thinkingBlock(b, out);
    if (typeof delta.content === 'string' && delta.content !== '') {
      this.#ensure('text', out, { type: 'text', text: '' });
      out.push(this.#delta({ type: 'text_delta', text: delta.content }));
    }
    if (typeof delta.refusal === 'string' && delta.refusal !== '') {
      this.#refused = true;
      this.#ensure('text', out, { type: 'text', text: '' });
      out.push(this.#delta({ type: 'text_delta', text: delta.refusal }));
    }
    if (Array.isArray(delta.tool_calls)) delta.tool_calls.forEach((tc: unknown, position) => isObj(tc) && this.#toolCall(tc, position, out));
    if (typeof choice.finish_reason === 'string') this.#finish = choice.finish_reason;
    // vLLM names the stop string that matched.
    if (typeof choice.stop_reason === 'string' && this.#stops.includes(choice.stop_reason)) this.#matched = choice.stop_reason;
    return out;
  }

  /** The upstream ended without `[DONE]` (the adapter has already judged completeness): finish the message. */
  end(): SseEvent[] {
    return this.#done ? [] : this.#end();
  }

  #event(data: Json): SseEvent {
    return { event: data.type as string, data: JSON.stringify(data) };
  }

  #start(chunk: Json): SseEvent {
    this.#started = true;
    return this.#event({
      type: 'message_start',
      message: {
        id: typeof chunk.id === 'string' && chunk.id !== '' ? chunk.id : `msg_${randomUUID().replaceAll('-', '')}`,
        type: 'message',
        role: 'assistant',
        model: typeof chunk.model === 'string' ? chunk.model : '',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: this.#estimate, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 },
      },
    });
  }

  #delta(delta: Json, index = this.#open!.index): SseEvent {
    return this.#event({ type: 'content_block_delta', index, delta });
  }

  #close(out: SseEvent[]): void {
    if (!this.#open) return;
    out.push(this.#event({ type: 'content_block_stop', index: this.#open.index }));
    this.#open = undefined;
  }

  /** Open a block of this kind unless one is open already (tool blocks are never reused). */
  #ensure(kind: BlockKind, out: SseEvent[], block: Json): void {
    if (this.#open?.kind === kind && kind !== 'tool_use') return;
    this.#close(out);
    this.#open = { index: this.#nextBlock++, kind };
    out.push(this.#event({ type: 'content_block_start', index: this.#open.index, content_block: block }));
  }

  #thinkingBlock(b: Json, out: SseEvent[]): void {
    if (b.type === 'redacted_thinking') {
      this.#close(out);
      const index = this.#nextBlock++;
      out.push(this.#event({ type: 'content_block_start', index, content_block: { type: 'redacted_thinking', data: b.data } }));
      out.push(this.#event({ type: 'content_block_stop', index }));
      return;
    }
    if (b.type !== 'thinking') return;
    // A whole signed block (as this gateway's own OpenAI translation sends it at the block's end):
    // its text was already streamed as reasoning when a thinking block is open.
    if (this.#open?.kind !== 'thinking') {
      this.#ensure('thinking', out, { type: 'thinking', thinking: '', signature: '' });
      if (typeof b.thinking === 'string' && b.thinking !== '') out.push(this.#delta({ type: 'thinking_delta', thinking: b.thinking }));
    }
    if (typeof b.signature === 'string' && b.signature !== '') out.push(this.#delta({ type: 'signature_delta', signature: b.signature }));
    this.#close(out);
  }

  #toolCall(tc: Json, position: number, out: SseEvent[]): void {
    const key = typeof tc.index === 'number' ? tc.index : position;
    const fn = isObj(tc.function) ? tc.function : {};
    let block = this.#tools.get(key);
    if (block === undefined) {
      this.#ensure('tool_use', out, {
        type: 'tool_use',
        id: typeof tc.id === 'string' && tc.id !== '' ? tc.id : `toolu_${randomUUID().replaceAll('-', '').slice(0, 24)}`,
        name: typeof fn.name === 'string' ? fn.name : '',
        input: {},
      });
      block = this.#open!.index;
      this.#tools.set(key, block);
    }
    // Routed by index: a fragment for an earlier call (servers that interleave) still reaches its own block.
    if (typeof fn.arguments === 'string' && fn.arguments !== '') out.push(this.#delta({ type: 'input_json_delta', partial_json: fn.arguments }, block));
  }

  #end(): SseEvent[] {
    this.#done = true;
    const out: SseEvent[] = [];
    if (!this.#started) out.push(this.#start({}));
    this.#close(out);
    const usage = this.#usage ? this.usage() : { input_tokens: this.#estimate, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 };
    const stopReason = this.#refused ? 'refusal' : toAnthropicStopReason(this.#finish, this.#matched !== null);
    out.push(this.#event({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: this.#matched }, usage }));
    out.push(this.#event({ type: 'message_stop' }));
    return out;
  }
}
