import type { ClientFormat, SseEvent } from '@switchyard/core';

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
  /** A splicer for one continuation stream: its events rewritten to follow on, or undefined to drop. */
  splicer(): (ev: SseEvent) => SseEvent | undefined;
}

/**
 * The transcript of a stream in `format`, or undefined when continuation is not supported for
 * it. Only Anthropic Messages is: it accepts a final assistant message as a prefill by
 * contract. OpenAI Chat has no portable equivalent (vLLM, DeepSeek and others each need their
 * own extra field), so OpenAI-format streams are never continued.
 *
 * @example transcriptFor('anthropic.messages')?.observe(ev)
 */
export function transcriptFor(format: ClientFormat): Transcript | undefined {
  return format === 'anthropic.messages' ? new AnthropicTranscript() : undefined;
}

interface BlockView { index: number; type: string; open: boolean }

function parse(data: string): Record<string, any> | undefined {
  try {
    const v: unknown = JSON.parse(data);
    return v && typeof v === 'object' ? (v as Record<string, any>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Anthropic Messages. Continuable while every content block so far is text and the message
 * has no stop reason yet. The continuation's `message_start` (and a `content_block_start` for
 * the block the client still has open) is dropped; its block indexes are shifted onto the
 * client's; its `message_delta` / `message_stop` end the client's message.
 */
class AnthropicTranscript implements Transcript {
  #text = '';
  #blocks: BlockView[] = [];
  #continuable = true;
  /** Whitespace cut off the prefill (the API rejects a prefill ending in whitespace). */
  #trimmed = '';

  observe(ev: SseEvent): void {
    if (!this.#continuable) return;
    const type = ev.event;
    if (type === 'ping' || type === 'message_start') return;
    const data = parse(ev.data);
    if (!data) return;
    switch (type ?? data.type) {
      case 'content_block_start':
        if (data.content_block?.type !== 'text') this.#continuable = false;
        this.#blocks.push({ index: Number(data.index), type: String(data.content_block?.type), open: true });
        if (typeof data.content_block?.text === 'string') this.#text += data.content_block.text;
        break;
      case 'content_block_delta':
        if (data.delta?.type === 'text_delta' && typeof data.delta.text === 'string') this.#text += data.delta.text;
        else this.#continuable = false;
        break;
      case 'content_block_stop': {
        const block = this.#blocks.find((b) => b.index === Number(data.index));
        if (block) block.open = false;
        break;
      }
      case 'message_delta':
      case 'message_stop':
        // The answer was complete (or a stop reason given): nothing left to continue.
        this.#continuable = false;
        break;
      default:
        break;
    }
  }

  partial(): string | undefined {
    if (!this.#continuable) return undefined;
    const trimmed = this.#text.trimEnd();
    return trimmed.length > 0 ? trimmed : undefined;
  }

  continuationBody(body: Record<string, unknown>): Record<string, unknown> {
    const text = this.partial() ?? '';
    this.#trimmed = this.#text.slice(text.length);
    const messages = Array.isArray(body.messages) ? [...(body.messages as Array<Record<string, unknown>>)] : [];
    const last = messages[messages.length - 1];
    if (last?.role === 'assistant') {
      // The client sent its own prefill: the answer so far follows it.
      const content = last.content;
      const merged = typeof content === 'string'
        ? (content + text).trimEnd()
        : [...(Array.isArray(content) ? content : []), { type: 'text', text }];
      messages[messages.length - 1] = { ...last, content: merged };
    } else {
      messages.push({ role: 'assistant', content: text });
    }
    return { ...body, messages };
  }

  splicer(): (ev: SseEvent) => SseEvent | undefined {
    const open = [...this.#blocks].reverse().find((b) => b.open);
    const lastIndex = this.#blocks.reduce((max, b) => Math.max(max, b.index), -1);
    // The continuation's block 0 carries on the block the client has open, or starts the next one.
    const offset = open ? open.index : lastIndex + 1;
    let stripLeading = this.#trimmed.length > 0;
    return (ev) => {
      const type = ev.event;
      if (type === 'message_start' || type === 'ping') return undefined;
      if (type !== 'content_block_start' && type !== 'content_block_delta' && type !== 'content_block_stop') return ev;
      const data = parse(ev.data);
      if (!data) return ev;
      const index = Number(data.index);
      if (type === 'content_block_start' && index === 0 && open) return undefined;
      if (type === 'content_block_delta' && stripLeading && data.delta?.type === 'text_delta' && typeof data.delta.text === 'string') {
        // We cut the prefill's trailing whitespace; the model re-emits it: the client has it already.
        const text: string = data.delta.text.replace(/^\s+/, '');
        if (text.length === 0) return undefined;
        stripLeading = false;
        data.delta = { ...data.delta, text };
      } else if (type === 'content_block_delta') {
        stripLeading = false;
      }
      data.index = index + offset;
      return { ...ev, data: JSON.stringify(data) };
    };
  }
}
