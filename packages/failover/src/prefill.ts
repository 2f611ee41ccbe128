import type { ClientFormat, SseEvent, Usage } from '@switchyard/core';
import { AnthropicTranscript } from './transcript-anthropic.js';
import { OpenAITranscript } from './transcript-openai.js';

/**
 * What a stream has told the client so far, and how to continue it on another target with an
 * assistant prefill (the partial answer sent back as the last assistant message).
 */
export interface Transcript {
  /** Record one event exactly as the client received it. */
  observe(ev: SseEvent): void;
  /** The partial assistant text, or undefined when the stream so far cannot be continued. */
  partial(): string | undefined;
  /** The request body that asks a target to continue the partial answer. */
  continuationBody(body: Record<string, unknown>): Record<string, unknown>;
  /**
   * A splicer for one continuation stream: its events rewritten to follow on (one id, one
   * start, the final usage adding `before`, what earlier segments used), or undefined to drop.
   */
  splicer(before: () => Usage | undefined, afterPrefill?: boolean): (ev: SseEvent) => SseEvent | undefined;
  /** Everything the client got as answer text so far. */
  sent(): string;
  /** The answer text an event carries, or undefined for an event without any. */
  textOf(ev: SseEvent): string | undefined;
  /** The event with its answer text replaced. */
  withText(ev: SseEvent, text: string): SseEvent;
}

/**
 * The transcript of a stream in the client's `format` (Anthropic Messages or OpenAI Chat), or
 * undefined for a format that is never continued. The continuation body is in the client's
 * format too: the target's adapter translates it (and adds its own prefill flag).
 *
 * @example transcriptFor('anthropic.messages')?.observe(ev)
 */
export function transcriptFor(format: ClientFormat): Transcript | undefined {
  if (format === 'anthropic.messages') return new AnthropicTranscript();
  if (format === 'openai.chat') return new OpenAITranscript();
  return undefined;
}

/**
 * `messages` with the partial answer as the last assistant message; a client's own prefill
 * (an assistant message last) is extended instead.
 */
export function withPrefill(body: Record<string, unknown>, text: string): Record<string, unknown> {
  const messages = Array.isArray(body.messages) ? [...(body.messages as Array<Record<string, unknown>>)] : [];
  const last = messages[messages.length - 1];
  if (last?.role === 'assistant') {
    const content = last.content;
    const merged = typeof content === 'string' ? (content + text).trimEnd() : [...(Array.isArray(content) ? content : []), { type: 'text', text }];
    messages[messages.length - 1] = { ...last, content: merged };
  } else {
    messages.push({ role: 'assistant', content: text });
  }
  return { ...body, messages };
}

/** A fresh, mutable parse of an event's JSON object (the cached `eventJson` one is shared). */
export function parseObject(data: string): Record<string, any> | undefined {
  try {
    const v: unknown = JSON.parse(data);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The answer so far as a prefill: trailing whitespace is cut (Anthropic rejects a prefill ending
 * in it, and models tokenise a word with its leading space), and the continuation's first text
 * then loses the leading whitespace the model re-emits, which the client already has.
 */
export class PartialText {
  #text = '';
  #cut = '';

  append(text: string): void {
    this.#text += text;
  }

  /** All the text so far. */
  all(): string {
    return this.#text;
  }

  /** The prefill, or undefined when nothing but whitespace was said. */
  prefill(): string | undefined {
    const trimmed = this.#text.trimEnd();
    return trimmed.length > 0 ? trimmed : undefined;
  }

  /** Take the prefill for a continuation request (remembers what was cut off it). */
  take(): string {
    const text = this.prefill() ?? '';
    this.#cut = this.#text.slice(text.length);
    return text;
  }

  /** For one continuation: each text delta in turn, with the re-emitted leading whitespace dropped ('' = drop the delta). */
  stripper(afterPrefill = true): (text: string) => string {
    let strip = afterPrefill && this.#cut.length > 0;
    return (text) => {
      if (!strip) return text;
      const out = text.replace(/^\s+/, '');
      if (out.length > 0) strip = false;
      return out;
    };
  }
}
