import { eventJson, hasKeyValue, stringValue, valueIndex, type SseEvent, type Usage } from '@switchyard/core';
import { parseObject, PartialText, withPrefill, type Transcript } from './prefill.js';

/**
 * OpenAI Chat Completions. Continuable while the answer is one choice of plain text (no tool
 * call, refusal or finish reason yet). The continuation's chunks take the first stream's `id`
 * and `created`; its `role` is dropped (a chunk left empty by that is dropped whole); its
 * finish chunk, usage chunk (adding what the earlier segments used) and `[DONE]` end the
 * client's stream.
 */
export class OpenAITranscript implements Transcript {
  readonly #text = new PartialText();
  #continuable = true;
  #id: unknown;
  #created: unknown;

  observe(ev: SseEvent): void {
    if (!this.#continuable) return;
    if (ev.data === '[DONE]') {
      this.#continuable = false;
      return;
    }
    if (this.#id !== undefined && isPlainDelta(ev.data)) {
      // Most of a stream: choice 0's text, read by a scan; the chunk is not parsed.
      const text = stringValue(ev.data, '"content"');
      if (text !== undefined) this.#text.append(text);
      return;
    }
    const chunk = eventJson(ev) as Record<string, any> | undefined;
    if (!chunk || typeof chunk !== 'object') return;
    this.#id ??= chunk.id;
    this.#created ??= chunk.created;
    const choices: unknown = chunk.choices;
    if (!Array.isArray(choices)) return;
    for (const choice of choices as Array<Record<string, any>>) {
      const delta = choice?.delta;
      if ((choice?.index ?? 0) !== 0 || choice?.finish_reason || delta?.tool_calls || delta?.function_call || delta?.refusal) {
        this.#continuable = false;
        return;
      }
      if (typeof delta?.content === 'string') this.#text.append(delta.content);
    }
  }

  partial(): string | undefined {
    return this.#continuable ? this.#text.prefill() : undefined;
  }

  continuationBody(body: Record<string, unknown>): Record<string, unknown> {
    return withPrefill(body, this.#text.take());
  }

  sent(): string {
    return this.#text.all();
  }

  textOf(ev: SseEvent): string | undefined {
    const chunk = ev.data === '[DONE]' ? undefined : (eventJson(ev) as Record<string, any> | undefined);
    const content = Array.isArray(chunk?.choices) ? chunk.choices[0]?.delta?.content : undefined;
    return typeof content === 'string' && content !== '' ? content : undefined;
  }

  withText(ev: SseEvent, text: string): SseEvent {
    const chunk = parseObject(ev.data)!;
    chunk.choices[0].delta.content = text;
    return { ...ev, data: JSON.stringify(chunk) };
  }

  splicer(before: () => Usage | undefined, afterPrefill = true): (ev: SseEvent) => SseEvent | undefined {
    const strip = this.#text.stripper(afterPrefill);
    return (ev) => {
      if (ev.data === '[DONE]') return ev;
      const chunk = parseObject(ev.data);
      if (!chunk) return ev;
      if (this.#id !== undefined) chunk.id = this.#id;
      if (this.#created !== undefined) chunk.created = this.#created;
      for (const choice of Array.isArray(chunk.choices) ? (chunk.choices as Array<Record<string, any>>) : []) {
        const delta = choice?.delta;
        if (!delta || typeof delta !== 'object') continue;
        delete delta.role;
        if (typeof delta.content === 'string') {
          delta.content = strip(delta.content);
          if (delta.content === '') delete delta.content;
        }
      }
      const empty =
        Array.isArray(chunk.choices) &&
        chunk.choices.length > 0 &&
        !chunk.usage &&
        (chunk.choices as Array<Record<string, any>>).every((c) => !c?.finish_reason && Object.keys(c?.delta ?? {}).length === 0);
      if (empty) return undefined;
      if (chunk.usage && typeof chunk.usage === 'object') addUsage(chunk.usage as Record<string, unknown>, before());
      return { ...ev, data: JSON.stringify(chunk) };
    };
  }
}

/** Keys whose value (anything but null) ends or changes what a continuation could carry on. */
const STOPPING_KEYS = ['"finish_reason"', '"tool_calls"', '"function_call"', '"refusal"', '"logprobs"'];

/**
 * Whether a chunk can only be a plain text delta of choice 0 (or an empty one): every choice
 * index is 0 and no key that stops a continuation holds a value, so its one "content" key, if
 * any, is the delta's text. Anything else is parsed.
 */
function isPlainDelta(data: string): boolean {
  for (const key of STOPPING_KEYS) if (hasKeyValue(data, key)) return false;
  for (let i = valueIndex(data, '"index"'); i !== -1; i = valueIndex(data, '"index"', i)) {
    const next = data.charCodeAt(i + 1);
    if (data.charCodeAt(i) !== 48 /* 0 */ || (next >= 48 && next <= 57) || next === 46 /* . */) return false;
  }
  return true;
}

/** The final usage chunk with the earlier segments' tokens added (both calls are billed). */
function addUsage(usage: Record<string, unknown>, before: Usage | undefined): void {
  if (!before) return;
  const input = before.inputTokens + before.cacheReadTokens + before.cacheWriteTokens;
  if (typeof usage.prompt_tokens === 'number') usage.prompt_tokens += input;
  if (typeof usage.completion_tokens === 'number') usage.completion_tokens += before.outputTokens;
  if (typeof usage.total_tokens === 'number') usage.total_tokens += input + before.outputTokens;
}
