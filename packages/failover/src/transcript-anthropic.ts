import { eventJson, stringValue, type SseEvent, type Usage } from '@switchyard/core';
import { parseObject, PartialText, withPrefill, type Transcript } from './prefill.js';

interface BlockView {
  index: number;
  type: string;
  open: boolean;
}

/**
 * Anthropic Messages. Continuable while every content block so far is text and the message
 * has no stop reason yet. The continuation's `message_start` (and a `content_block_start` for
 * the block the client still has open) is dropped; its block indexes are shifted onto the
 * client's; its `message_delta` / `message_stop` end the client's message, the delta's usage
 * adding what the earlier segments used.
 */
export class AnthropicTranscript implements Transcript {
  readonly #text = new PartialText();
  #blocks: BlockView[] = [];
  #continuable = true;

  observe(ev: SseEvent): void {
    if (!this.#continuable) return;
    const type = ev.event;
    if (type === 'ping' || type === 'message_start') return;
    if (type === 'content_block_delta') {
      // Most of a stream: a text delta's text is read by a scan, the event is not parsed. Only a
      // text delta has a "text" key (thinking, signature and JSON deltas have others).
      const text = ev.data.includes('"text_delta"') ? stringValue(ev.data, '"text"') : undefined;
      if (text !== undefined) {
        this.#text.append(text);
        return;
      }
    }
    const data = eventJson(ev) as Record<string, any> | undefined;
    if (!data || typeof data !== 'object') return;
    switch (type ?? data.type) {
      case 'content_block_start':
        if (data.content_block?.type !== 'text') this.#continuable = false;
        this.#blocks.push({ index: Number(data.index), type: String(data.content_block?.type), open: true });
        if (typeof data.content_block?.text === 'string') this.#text.append(data.content_block.text);
        break;
      case 'content_block_delta':
        if (data.delta?.type === 'text_delta' && typeof data.delta.text === 'string') this.#text.append(data.delta.text);
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
    return this.#continuable ? this.#text.prefill() : undefined;
  }

  continuationBody(body: Record<string, unknown>): Record<string, unknown> {
    return withPrefill(body, this.#text.take());
  }

  sent(): string {
    return this.#text.all();
  }

  textOf(ev: SseEvent): string | undefined {
    if (ev.event !== 'content_block_delta') return undefined;
    const data = eventJson(ev) as Record<string, any> | undefined;
    return data?.delta?.type === 'text_delta' && typeof data.delta.text === 'string' ? data.delta.text : undefined;
  }

  withText(ev: SseEvent, text: string): SseEvent {
    const data = parseObject(ev.data)!;
    data.delta = { ...data.delta, text };
    return { ...ev, data: JSON.stringify(data) };
  }

  splicer(before: () => Usage | undefined, afterPrefill = true): (ev: SseEvent) => SseEvent | undefined {
    const open = [...this.#blocks].reverse().find((b) => b.open);
    const lastIndex = this.#blocks.reduce((max, b) => Math.max(max, b.index), -1);
    // The continuation's block 0 carries on the block the client has open, or starts the next one.
    const offset = open ? open.index : lastIndex + 1;
    const strip = this.#text.stripper(afterPrefill);
    return (ev) => {
      const type = ev.event;
      if (type === 'message_start' || type === 'ping') return undefined;
      if (type === 'message_delta') return addUsage(ev, before());
      if (type !== 'content_block_start' && type !== 'content_block_delta' && type !== 'content_block_stop') return ev;
      const data = parseObject(ev.data);
      if (!data) return ev;
      const index = Number(data.index);
      if (type === 'content_block_start' && index === 0 && open) return undefined;
      if (type === 'content_block_delta' && data.delta?.type === 'text_delta' && typeof data.delta.text === 'string') {
        const text = strip(data.delta.text);
        if (text.length === 0) return undefined;
        data.delta = { ...data.delta, text };
      }
      data.index = index + offset;
      return { ...ev, data: JSON.stringify(data) };
    };
  }
}

/** The final `message_delta` with the earlier segments' tokens added (both calls are billed). */
function addUsage(ev: SseEvent, before: Usage | undefined): SseEvent {
  const data = before ? parseObject(ev.data) : undefined;
  if (!before || !data || typeof data.usage !== 'object' || data.usage === null) return ev;
  const usage = data.usage as Record<string, unknown>;
  if (typeof usage.output_tokens === 'number') usage.output_tokens += before.outputTokens;
  if (typeof usage.input_tokens === 'number') usage.input_tokens += before.inputTokens;
  return { ...ev, data: JSON.stringify(data) };
}
