/**
 * What every HTTP adapter shares: send through the injected transport, time the first byte,
 * classify failures into {@link ProviderError}s, pre-read the first stream event, observe usage.
 * Adapters only describe their request and their stream protocol.
 * @module
 */
import { prependItem, SseParser, type AbortWatch, type ClientFormat, type SseEvent, type SyncPull, type Usage, type WireFamily } from '@switchyard/core';
import type { FailureInfo, InvokeContext, JsonResult, ProviderAdapter, ProviderCall, ProviderConfig, ProviderResult, StreamResult } from '../adapter.js';
import { classifyFailure, type DetailedClassification } from '../classify.js';
import { ProviderError, isProviderError, notSentError } from '../provider-error.js';
import { TransportError, type TransportRequest, type TransportResponse, type TransportTimeouts } from '../transport.js';

/** The upstream request an adapter builds for one call. */
export interface UpstreamRequest {
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** A stream failure an adapter protocol detects (in-stream error event, truncation). */
export class StreamFailure extends Error {
  constructor(
    message: string,
    readonly init: { kind?: 'network' | 'timeout'; body?: string },
  ) {
    super(message);
    this.name = 'StreamFailure';
  }
}

/** One wire family's stream rules. A fresh instance serves one call. */
export interface StreamProtocol {
  /** Handle one upstream event: the event to forward, or undefined to drop it. Throws {@link StreamFailure}. */
  event(ev: SseEvent): SseEvent | undefined;
  /**
   * The upstream body ended (a whole last event that lacked only its blank line has already
   * been passed to `event`). Returns events still to emit; throws {@link StreamFailure} when
   * the stream is incomplete.
   */
  end(): SseEvent[];
  usage(): Usage | undefined;
}

/** Everything an HTTP adapter supplies to {@link createHttpAdapter}. */
export interface HttpAdapterSpec {
  type: string;
  config: ProviderConfig;
  family: WireFamily;
  formats: readonly ClientFormat[];
  /** Formats that can stream. */
  streamFormats: readonly ClientFormat[];
  build(call: ProviderCall): UpstreamRequest;
  /** Usage and served model of a parsed JSON answer. */
  inspectJson(format: ClientFormat, body: Record<string, unknown>): { usage?: Usage; model?: string };
  streamProtocol(call: ProviderCall): StreamProtocol;
}

const FORWARDED_EXACT = new Set(['retry-after', 'openai-processing-ms']);

/**
 * Upstream response headers worth passing to the client: rate-limit information only.
 * @example pickForwardHeaders({ 'x-ratelimit-remaining-requests': '9', 'set-cookie': 'a' }) // { 'x-ratelimit-remaining-requests': '9' }
 */
export function pickForwardHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in headers) {
    if (key.startsWith('x-ratelimit-') || key.startsWith('anthropic-ratelimit-') || FORWARDED_EXACT.has(key)) out[key] = headers[key]!;
  }
  return out;
}

/** Build a ProviderError from a classification. */
export function providerErrorFrom(
  provider: string,
  c: DetailedClassification,
  extra: { status?: number; afterFirstByte?: boolean; cause?: unknown } = {},
): ProviderError {
  return new ProviderError(c.message, {
    kind: c.kind,
    provider,
    upstreamStatus: extra.status,
    retryAfterMs: c.retryAfterMs,
    afterFirstByte: extra.afterFirstByte,
    shouldRetry: c.shouldRetry,
    upstreamCode: c.upstreamCode,
    cause: extra.cause,
  });
}

/** Merge config timeouts with the call's (the call wins). */
export function callTimeouts(config: ProviderConfig, context: InvokeContext): Partial<TransportTimeouts> | undefined {
  if (!context.timeouts) return config.timeouts;
  return config.timeouts ? { ...config.timeouts, ...context.timeouts } : context.timeouts;
}

/**
 * The upstream call for the transport, when the context has a lightweight `abort`: `signal` is a
 * getter, so a transport that follows `abort` (undici) never makes the context build an
 * AbortSignal. A class, not an object literal with a getter: V8 gave each such literal a map of
 * its own in the old generation, which kept the request's objects alive until a full GC.
 */
class LazySignalRequest implements TransportRequest {
  readonly method = 'POST';
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array | undefined;

  constructor(
    upstream: UpstreamRequest,
    readonly timeouts: Partial<TransportTimeouts> | undefined,
    private readonly context: InvokeContext,
    readonly abort: AbortWatch,
  ) {
    this.url = upstream.url;
    this.headers = upstream.headers;
    this.body = upstream.body;
  }

  get signal(): AbortSignal {
    return this.context.signal;
  }
}

function transportRequest(upstream: UpstreamRequest, context: InvokeContext, timeouts: Partial<TransportTimeouts> | undefined): TransportRequest {
  if (context.abort) return new LazySignalRequest(upstream, timeouts, context, context.abort);
  return { method: 'POST', url: upstream.url, headers: upstream.headers, body: upstream.body, timeouts, signal: context.signal };
}

/**
 * Pre-read the first event of a stream so failures before it reject the caller, then hand
 * the rest on. Breaking out of the returned iterable closes the source (and so the upstream).
 */
export async function preReadFirst(source: AsyncIterator<SseEvent>, onFirst: () => void): Promise<{ first: SseEvent; events: AsyncIterable<SseEvent> }> {
  const first = await source.next();
  if (first.done) throw new StreamFailure('upstream stream ended before its first event', { kind: 'network' });
  onFirst();
  // prependItem, not a generator: one less async layer per stream event.
  return { first: first.value, events: prependItem(first.value, source) };
}

/**
 * Turn an adapter spec into a {@link ProviderAdapter}.
 * @example
 * const adapter = createHttpAdapter({ type: 'my-openai', config, family: 'openai', formats: ['openai.chat'], … });
 */
export function createHttpAdapter(spec: HttpAdapterSpec): ProviderAdapter {
  const { config } = spec;
  const provider = config.name;
  const secrets = [config.api_key];
  const classify = (info: FailureInfo, callKey?: string): DetailedClassification =>
    classifyFailure(info, { secrets: callKey ? [config.api_key, callKey] : secrets });

  const toProviderError = (error: unknown, afterFirstByte: boolean, callKey?: string): ProviderError => {
    if (isProviderError(error)) return error;
    if (error instanceof StreamFailure) {
      const c = error.init.body !== undefined ? classify({ body: error.init.body }, callKey) : { kind: error.init.kind ?? 'network', message: error.message };
      return providerErrorFrom(provider, c, { afterFirstByte });
    }
    if (error instanceof TransportError) return providerErrorFrom(provider, classify({ error }), { afterFirstByte, cause: error });
    return new ProviderError('upstream call failed', { kind: 'network', provider, afterFirstByte, cause: error });
  };

  async function invoke(call: ProviderCall, context: InvokeContext): Promise<ProviderResult> {
    if (!spec.formats.includes(call.format)) {
      throw new ProviderError(`provider ${provider} (${spec.type}) does not serve ${call.format}`, { kind: 'bad_request', provider, notSent: true });
    }
    const now = context.now ?? Date.now;
    let upstream: UpstreamRequest;
    try {
      upstream = spec.build(call);
    } catch (error) {
      throw notSentError(provider, error);
    }
    let res;
    try {
      res = await context.transport.request(transportRequest(upstream, context, callTimeouts(config, context)));
    } catch (error) {
      throw toProviderError(error, false, call.apiKey);
    }
    const firstByteAt = now();
    const headers = pickForwardHeaders(res.headers);
    if (res.status < 200 || res.status > 299) {
      let body: string | undefined;
      try {
        body = await res.text();
      } catch {
        body = undefined;
      }
      throw providerErrorFrom(provider, classifyFailure({ status: res.status, headers: res.headers, body }, { secrets: [config.api_key, call.apiKey], now }), {
        status: res.status,
      });
    }
    if (!call.stream || !spec.streamFormats.includes(call.format)) {
      let text: string;
      try {
        text = await res.text();
      } catch (error) {
        throw toProviderError(error, false, call.apiKey);
      }
      const result: JsonResult = { kind: 'json', status: res.status, headers, body: text, firstByteAt };
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (parsed && typeof parsed === 'object') {
        const seen = spec.inspectJson(call.format, parsed as Record<string, unknown>);
        if (seen.usage) result.usage = seen.usage;
        if (seen.model) result.model = seen.model;
      }
      return result;
    }
    const protocol = spec.streamProtocol(call);
    const state = { started: false };
    const events = new EventPump(res, protocol, (error) => toProviderError(error, state.started, call.apiKey));
    let read;
    try {
      read = await preReadFirst(events, () => (state.started = true));
    } catch (error) {
      throw toProviderError(error, false, call.apiKey);
    }
    const result: StreamResult = { kind: 'stream', status: res.status, headers, events: read.events, usage: () => protocol.usage(), firstByteAt: now() };
    return result;
  }

  return {
    name: provider,
    type: spec.type,
    config,
    models: config.models ?? [],
    supports: (format) => spec.formats.includes(format),
    invoke,
    classify: (info) => classify(info),
  };
}

/**
 * The upstream body as protocol events. A plain iterator, not an async generator: a body chunk
 * usually carries many events, and a generator would cost several promises and microtask turns
 * for each of them; here an event already parsed is handed out with one resolved promise.
 * Ending early (`return()`, or a failure) aborts the upstream response.
 */
/** Whether an event's data is complete: one whole JSON value, or OpenAI's `[DONE]`. */
function isWholeData(data: string): boolean {
  if (data === '[DONE]') return true;
  try {
    JSON.parse(data);
    return true;
  } catch {
    return false;
  }
}

class EventPump implements AsyncIterator<SseEvent>, SyncPull<SseEvent> {
  readonly #parser = new SseParser();
  readonly #chunks: AsyncIterator<Uint8Array>;
  /** Events parsed but not handed out yet, from `#head` on. */
  #queue: SseEvent[] = [];
  #head = 0;
  /** A failure (body error, in-stream error event) thrown once the events before it are out. */
  #failure: { error: unknown } | undefined;
  /** The body ended cleanly: only the queue is left. */
  #bodyDone = false;
  /** Failed or closed early: every later call is done. */
  #closed = false;

  constructor(
    private readonly response: TransportResponse,
    private readonly protocol: StreamProtocol,
    private readonly toError: (error: unknown) => ProviderError,
  ) {
    this.#chunks = response.body[Symbol.asyncIterator]();
  }

  /** An event already parsed, without a promise (see SyncPull). */
  tryNext(): IteratorYieldResult<SseEvent> | undefined {
    return this.#head < this.#queue.length ? { done: false, value: this.#queue[this.#head++]! } : undefined;
  }

  next(): Promise<IteratorResult<SseEvent>> {
    if (this.#head < this.#queue.length) return Promise.resolve({ done: false, value: this.#queue[this.#head++]! });
    if (this.#failure) {
      const { error } = this.#failure;
      this.#failure = undefined;
      this.#close();
      return Promise.reject(this.toError(error));
    }
    if (this.#closed || this.#bodyDone) return Promise.resolve(DONE);
    return this.#read();
  }

  async return(): Promise<IteratorResult<SseEvent>> {
    // A body that already ended needs no abort; one still arriving is released now.
    if (!this.#closed && !this.#bodyDone) this.#close();
    this.#closed = true;
    this.#queue = [];
    this.#head = 0;
    this.#failure = undefined;
    return DONE;
  }

  /** Read body chunks until one completes at least one event, the body ends, or it fails. */
  async #read(): Promise<IteratorResult<SseEvent>> {
    this.#queue = [];
    this.#head = 0;
    try {
      while (this.#queue.length === 0) {
        const chunk = await this.#chunks.next();
        if (this.#closed) return DONE; // return() was called while we read
        if (chunk.done) {
          const tail = this.#parser.end();
          this.#bodyDone = true;
          // A last event that lacks only its blank line (Anthropic's refusal fixture) is kept when
          // its data is whole; a cut-off one is left for `end()` to judge the stream incomplete.
          if (!tail.complete && tail.pending && isWholeData(tail.pending.data)) {
            const out = this.protocol.event(tail.pending);
            if (out) this.#queue.push(out);
          }
          this.#queue.push(...this.protocol.end());
          break;
        }
        for (const ev of this.#parser.push(chunk.value)) {
          const out = this.protocol.event(ev);
          if (out) this.#queue.push(out);
        }
      }
    } catch (error) {
      if (this.#closed) return DONE;
      this.#failure = { error }; // events parsed before it still go out first
    }
    return this.next();
  }

  #close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#head = 0;
    void Promise.resolve(this.#chunks.return?.()).catch(() => undefined);
    this.response.abort();
  }
}

const DONE: IteratorResult<SseEvent> = Object.freeze({ done: true, value: undefined });
