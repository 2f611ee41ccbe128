/**
 * Server-sent events: an incremental parser (any chunking, CRLF / CR / LF, `data:` with or
 * without the space, multi-line data, comments) and a writer whose every event ends with the
 * blank line that terminates it.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 * @module
 */
import { StringDecoder } from 'node:string_decoder';
import { COLON, CR, LF, SPACE } from './json-chars.js';

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

/** U+FEFF: a byte order mark the stream may open with, which is not part of its first line. */
const BOM = 0xfeff;

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
  /**
   * Bytes to text, holding a character split across chunks for the next one. Node's
   * `StringDecoder` rather than `TextDecoder`: six times cheaper per chunk on a stream's
   * typical few kilobytes, with the same replacement of invalid bytes by U+FFFD.
   */
  #decoder = new StringDecoder('utf8');
  /** No text seen yet: a leading byte order mark is still to be dropped. */
  #atStart = true;
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
    let text = typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    // An empty chunk (or one holding only part of a UTF-8 character) says nothing about a CR
    // that ended the previous chunk, so the pending CR must survive it.
    if (text.length === 0) return [];
    if (this.#atStart) {
      this.#atStart = false;
      if (text.charCodeAt(0) === BOM) text = text.slice(1);
    }
    if (this.#pendingCR && text.charCodeAt(0) === LF) text = text.slice(1);
    this.#pendingCR = false;
    // The buffer never holds a line break, so only the new text needs scanning; without a break
    // the chunk is parked, keeping a long line (a base64 image) linear in its length.
    const hasCR = text.indexOf('\r') !== -1;
    if (!hasCR && text.indexOf('\n') === -1) {
      if (text.length > 0) this.#parts.push(text);
      return [];
    }
    const buf = this.#parts.length > 0 ? this.#parts.join('') + text : text;
    this.#parts = [];
    const events: SseEvent[] = [];
    const from = buf.length - text.length;
    const start = hasCR ? this.#linesWithCR(buf, from, events) : this.#lines(buf, from, events);
    if (start < buf.length) this.#parts.push(buf.slice(start));
    return events;
  }

  /**
   * The lines of `buf` ended by LF alone (the text holds no CR), found by the engine's own
   * search rather than a look at every character. Returns where the unfinished line starts.
   */
  #lines(buf: string, from: number, events: SseEvent[]): number {
    let start = 0;
    for (let end = buf.indexOf('\n', from); end !== -1; end = buf.indexOf('\n', start)) {
      const ev = this.#lineAt(buf, start, end);
      if (ev) events.push(ev);
      start = end + 1;
    }
    return start;
  }

  /** The lines of `buf` ended by CRLF, CR or LF. Returns where the unfinished line starts. */
  #linesWithCR(buf: string, from: number, events: SseEvent[]): number {
    let start = 0;
    for (let i = from; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c !== LF && c !== CR) continue;
      const end = i;
      if (c === CR) {
        if (i + 1 < buf.length) {
          if (buf.charCodeAt(i + 1) === LF) i++;
        } else {
          this.#pendingCR = true;
        }
      }
      const ev = this.#lineAt(buf, start, end);
      if (ev) events.push(ev);
      start = i + 1;
    }
    return start;
  }

  /**
   * Signal the end of input. Returns `complete: false` when the stream stopped inside an
   * event (data received but no terminating blank line): a truncated stream.
   */
  end(): { complete: boolean; pending?: SseEvent } {
    let rest = this.#parts.join('') + this.#decoder.end();
    if (this.#atStart && rest.charCodeAt(0) === BOM) rest = rest.slice(1);
    this.#atStart = false;
    this.#parts = [];
    this.#pendingCR = false;
    if (rest.length > 0) this.#lineAt(rest, 0, rest.length);
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

  /** Take the line `buf[start, end)`; returns the event a blank line dispatches. */
  #lineAt(buf: string, start: number, end: number): SseEvent | undefined {
    if (start === end) {
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
    if (buf.charCodeAt(start) === COLON) return undefined; // comment
    if (buf.startsWith('data:', start)) {
      // Most lines: the value cut straight out of the chunk's text, no line string first.
      const value = buf.slice(start + (buf.charCodeAt(start + 5) === SPACE ? 6 : 5), end);
      this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
      this.#sawField = true;
      return undefined;
    }
    this.#field(buf.slice(start, end));
    return undefined;
  }

  /** A line other than `data:…`, a comment or a blank line. */
  #field(line: string): void {
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
