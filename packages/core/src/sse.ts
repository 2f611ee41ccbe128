/**
 * Server-sent events: an incremental parser (any chunking, CRLF / CR / LF, `data:` with or
 * without the space, multi-line data, comments) and a writer whose every event ends with the
 * blank line that terminates it.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 * @module
 */

/**
 * One dispatched event. `event` is undefined when the stream sent no `event:` line. `id` is the
 * last event ID in effect: per the spec it carries over to later events that send none.
 */
export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
  retry?: number;
}

const decoderOptions = { stream: true } as const;
const LINE_BREAK = /[\r\n]/;

/**
 * Incremental SSE parser: feed it chunks as they arrive, get whole events back.
 * An event is dispatched only at its terminating blank line; {@link SseParser.end} reports a
 * trailing event that never got one (a truncated stream) without dispatching it.
 *
 * @example
 * const parser = new SseParser();
 * for await (const chunk of body) for (const ev of parser.push(chunk)) handle(ev);
 */
export class SseParser {
  #decoder = new TextDecoder();
  /** Text after the last line break, not yet a whole line. */
  #parts: string[] = [];
  /**
   * The event's data so far: one string for the usual single `data:` line (no array, no join
   * per event), lines joined with LF as more arrive. Undefined before the first.
   */
  #data: string | undefined;
  #event: string | undefined;
  #id: string | undefined;
  #retry: number | undefined;
  #sawField = false;
  /** The previous chunk ended in CR: a leading LF in the next chunk belongs to it. */
  #pendingCR = false;

  /** Parse a chunk; returns the events it completed (often none). */
  push(chunk: Uint8Array | string): SseEvent[] {
    let text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, decoderOptions);
    // An empty chunk (or one holding only part of a UTF-8 character) says nothing about a CR
    // that ended the previous chunk, so the pending CR must survive it.
    if (text.length === 0) return [];
    if (this.#pendingCR && text.charCodeAt(0) === 10) text = text.slice(1);
    this.#pendingCR = false;
    // The buffer never holds a line break, so only the new text needs scanning; without a break
    // the chunk is parked, keeping a long line (a base64 image) linear in its length.
    if (!LINE_BREAK.test(text)) {
      this.#parts.push(text);
      return [];
    }
    const buf = this.#parts.length > 0 ? this.#parts.join('') + text : text;
    this.#parts = [];
    const events: SseEvent[] = [];
    let start = 0;
    for (let i = buf.length - text.length; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const line = buf.slice(start, i);
      if (c === 13) {
        if (i + 1 < buf.length) {
          if (buf.charCodeAt(i + 1) === 10) i++;
        } else {
          this.#pendingCR = true;
        }
      }
      start = i + 1;
      const ev = this.#line(line);
      if (ev) events.push(ev);
    }
    if (start < buf.length) this.#parts.push(buf.slice(start));
    return events;
  }

  /**
   * Signal the end of input. Returns `complete: false` when the stream stopped inside an
   * event (data received but no terminating blank line): a truncated stream.
   */
  end(): { complete: boolean; pending?: SseEvent } {
    const rest = this.#parts.join('') + this.#decoder.decode();
    this.#parts = [];
    this.#pendingCR = false;
    if (rest.length > 0) this.#line(rest);
    if (!this.#sawField) return { complete: true };
    const pending: SseEvent = { data: this.#data ?? '' };
    if (this.#event !== undefined) pending.event = this.#event;
    this.#reset();
    return { complete: false, pending };
  }

  #reset(): void {
    this.#data = undefined;
    this.#event = undefined;
    this.#retry = undefined;
    this.#sawField = false;
  }

  #line(line: string): SseEvent | undefined {
    if (line.length === 0) {
      if (!this.#sawField) return undefined;
      const hasData = this.#data !== undefined;
      const ev: SseEvent = { data: this.#data ?? '' };
      if (this.#event !== undefined) ev.event = this.#event;
      if (this.#id !== undefined) ev.id = this.#id;
      if (this.#retry !== undefined) ev.retry = this.#retry;
      this.#reset();
      // Per the spec an event with no data is not dispatched (but id/retry still apply).
      return hasData ? ev : undefined;
    }
    if (line.charCodeAt(0) === 58 /* : */) return undefined; // comment
    if (line.startsWith('data:')) {
      // Most lines: the value in one slice, no field name cut out.
      const value = line.slice(line.charCodeAt(5) === 32 ? 6 : 5);
      this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
      this.#sawField = true;
      return undefined;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'data':
        this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
        this.#sawField = true;
        break; // `data` alone
      case 'event':
        this.#event = value;
        this.#sawField = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.#id = value;
        this.#sawField = true;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.#retry = Number(value);
        this.#sawField = true;
        break;
      default:
        break; // unknown fields are ignored
    }
    return undefined;
  }
}

/**
 * Serialise one event. Multi-line data becomes several `data:` lines; the result always ends
 * with the blank line that dispatches it.
 * @example formatSseEvent({ event: 'ping', data: '{}' }) // 'event: ping\ndata: {}\n\n'
 */
export function formatSseEvent(ev: SseEvent): string {
  let out = '';
  // A line break in a name or id would end the field early and let the rest be read as
  // another field (or a blank line dispatching a partial event): fold it into a space.
  if (ev.event !== undefined) out += `event: ${oneLine(ev.event)}\n`;
  if (ev.id !== undefined) out += `id: ${oneLine(ev.id)}\n`;
  if (ev.retry !== undefined) out += `retry: ${ev.retry}\n`;
  const data = ev.data;
  if (data.indexOf('\n') === -1 && data.indexOf('\r') === -1) return `${out}data: ${data}\n\n`;
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

function oneLine(value: string): string {
  return value.indexOf('\n') === -1 && value.indexOf('\r') === -1 ? value : value.replace(/[\r\n]+/g, ' ');
}

/** An SSE comment line (keeps idle connections alive through proxies). */
export function formatSseComment(text = ''): string {
  return `:${text ? ' ' + text.replace(/[\r\n]+/g, ' ') : ''}\n\n`;
}

/**
 * Parse a whole byte stream into events.
 * @throws {SseTruncatedError} when the stream ends inside an event.
 * @example for await (const ev of parseSseStream(response.body)) console.log(ev.data);
 */
export async function* parseSseStream(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const parser = new SseParser();
  for await (const chunk of body) yield* parser.push(chunk);
  const tail = parser.end();
  if (!tail.complete) throw new SseTruncatedError(tail.pending);
}

/** A stream ended in the middle of an event (no terminating blank line). */
export class SseTruncatedError extends Error {
  constructor(readonly pending?: SseEvent) {
    super('Stream ended inside an event (no terminating blank line)');
    this.name = 'SseTruncatedError';
  }
}

const PARSED: unique symbol = Symbol('switchyard.parsedData');
const MALFORMED: unique symbol = Symbol('malformed');
type Parsed = SseEvent & { [PARSED]?: unknown };
const frozenCache = new WeakMap<SseEvent, unknown>();

/**
 * The event's data parsed as JSON, parsed once per event however many pieces look at it
 * (adapter, executor, accounting): the result is cached on the event object itself (a symbol
 * property: cheaper than a WeakMap on the per-event path; frozen events use a WeakMap).
 * Returns `undefined` when the data is not JSON.
 * @example const chunk = eventJson(ev) as { choices?: unknown[] } | undefined;
 */
export function eventJson(ev: SseEvent): unknown {
  const extensible = Object.isExtensible(ev);
  let value = extensible ? (ev as Parsed)[PARSED] : frozenCache.get(ev);
  if (value === undefined) {
    try {
      value = JSON.parse(ev.data);
    } catch {
      value = MALFORMED;
    }
    // Non-enumerable: the cache must not show up in comparisons or spreads of the event.
    if (extensible) Object.defineProperty(ev, PARSED, { value });
    else frozenCache.set(ev, value);
  }
  return value === MALFORMED ? undefined : value;
}
