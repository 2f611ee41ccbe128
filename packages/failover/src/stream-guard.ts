import { tryNext, type AbortWatch, type ClientFormat, type SseEvent, type SyncPull } from '@switchyard/core';
import { isMalformedEvent } from './event-check.js';
import { isProviderError, ProviderError, type StreamResult } from '@switchyard/providers';

/** How a guarded stream ended. */
export type StreamEnd = { outcome: 'success' } | { outcome: 'failure'; error: ProviderError } | { outcome: 'aborted'; error: unknown };

export interface GuardOptions {
  result: StreamResult;
  provider: string;
  /** The client's format: an event its SDK could not parse ends the stream with an error. */
  format: ClientFormat;
  /** Aborts when the client leaves or the exchange is cut off (revoked key). */
  exchangeAbort: AbortWatch;
  /** Aborts at the request deadline. */
  deadlineAbort: AbortWatch;
  /** Longest silence between events; 0 disables. */
  idleMs: number;
  /** Stops the upstream call (releases the socket). */
  abortUpstream: () => void;
  onEnd: (end: StreamEnd) => void;
}

/**
 * The served stream as the client sees it: after the first byte a cut, a stall (no event for
 * `idleMs`), the deadline or a malformed event (one the client's SDK could not parse) ends it with an error the writer turns into an
 * in-band error event, never a clean end; a client abort stops the upstream at once and
 * throws the abort reason.
 *
 * A plain iterator rather than an async generator: every event crosses this layer, and a
 * generator costs several promises and microtask turns per event. `return()` also acts at once
 * (a generator's would wait behind a pending `next()`, i.e. for the upstream's next event): the
 * upstream is released and a pending `next()` resolves as done.
 */
export function guardStream(options: GuardOptions): AsyncIterableIterator<SseEvent> & SyncPull<SseEvent> {
  return new GuardedStream(options);
}

class GuardedStream implements AsyncIterableIterator<SseEvent>, SyncPull<SseEvent> {
  readonly #options: GuardOptions;
  readonly #source: AsyncIterator<SseEvent>;
  /** Set once the stream has ended one way or another; later calls answer done. */
  #closed = false;
  /** A stop (client gone, deadline, stall) that arrived; thrown by the wait in progress or the next call. */
  #stopReason: { error: unknown } | undefined;
  /** Settle the wait in progress (set while one is): by the source, or early by a stop or `return()`. */
  #resolve: ((result: IteratorResult<SseEvent>) => void) | undefined;
  #reject: ((err: unknown) => void) | undefined;
  /** The source's answer to the wait in progress, bound once: no closures per event. */
  readonly #onResult = (result: IteratorResult<SseEvent>): void => {
    const resolve = this.#resolve;
    this.#release();
    resolve?.(result);
  };
  readonly #onError = (err: unknown): void => {
    const reject = this.#reject;
    this.#release();
    reject?.(err);
  };
  /** While a wait is in progress; the idle timer only counts upstream silence, not a slow consumer. */
  #waiting = false;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #onExchangeAbort = () => this.#stop(this.#options.exchangeAbort.reason);
  readonly #onDeadline = () => this.#stop(midStream(this.#options.provider, 'Request deadline exceeded during the stream', 'timeout'));

  constructor(options: GuardOptions) {
    this.#options = options;
    this.#source = options.result.events[Symbol.asyncIterator]();
    const { exchangeAbort, deadlineAbort, idleMs } = options;
    exchangeAbort.addEventListener('abort', this.#onExchangeAbort, { once: true });
    deadlineAbort.addEventListener('abort', this.#onDeadline, { once: true });
    if (exchangeAbort.aborted) this.#onExchangeAbort();
    else if (deadlineAbort.aborted) this.#onDeadline();
    // One idle timer for the whole stream, re-armed (refresh) each time we start waiting.
    if (idleMs > 0) {
      this.#timer = setTimeout(() => {
        if (this.#waiting) this.#stop(midStream(options.provider, `Upstream stream stalled: no event for ${idleMs} ms`, 'timeout'));
      }, idleMs);
    }
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<SseEvent> {
    return this;
  }

  async next(): Promise<IteratorResult<SseEvent>> {
    if (this.#closed) return DONE;
    try {
      if (this.#stopReason) throw this.#stopReason.error;
      const next = await this.#wait();
      if (this.#closed) return DONE; // return() was called while we waited
      if (next.done) {
        this.#finish({ outcome: 'success' });
        return DONE;
      }
      if (isMalformedEvent(this.#options.format, next.value)) {
        throw midStream(this.#options.provider, MALFORMED, 'server_error');
      }
      return next;
    } catch (err) {
      if (this.#closed) return DONE;
      const { exchangeAbort } = this.#options;
      if (exchangeAbort.aborted) {
        this.#finish({ outcome: 'aborted', error: exchangeAbort.reason });
        throw exchangeAbort.reason;
      }
      const error = isProviderError(err) ? asMidStream(err) : midStream(this.#options.provider, 'Upstream stream failed', 'network', err);
      this.#finish({ outcome: 'failure', error });
      throw error;
    }
  }

  /**
   * An event the source already has, checked like one from `next()`, without a promise. A
   * malformed one is kept as the stop that the following `next()` throws (and reports).
   */
  tryNext(): IteratorYieldResult<SseEvent> | undefined {
    if (this.#closed || this.#stopReason || this.#waiting) return undefined;
    const next = tryNext(this.#source);
    if (next === undefined || !isMalformedEvent(this.#options.format, next.value)) return next;
    this.#stopReason = { error: midStream(this.#options.provider, MALFORMED, 'server_error') };
    return undefined;
  }

  /** Ended early (client left, consumer broke out): release the upstream now. */
  async return(): Promise<IteratorResult<SseEvent>> {
    if (!this.#closed) {
      this.#finish({ outcome: 'aborted', error: this.#options.exchangeAbort.reason ?? new Error('Stream closed early') });
      this.#onResult(DONE);
    }
    return DONE;
  }

  /**
   * The source's next event, or a rejection when a stop arrives first. Not a long-lived promise
   * raced against every event: each race would leave one more reaction on it for the whole stream.
   */
  #wait(): Promise<IteratorResult<SseEvent>> {
    this.#waiting = true;
    this.#timer?.refresh();
    const wait = new Promise<IteratorResult<SseEvent>>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#source.next().then(this.#onResult, this.#onError);
    return wait;
  }

  /** The wait in progress is over; a late answer of the source (after a stop) settles nothing. */
  #release(): void {
    this.#resolve = undefined;
    this.#reject = undefined;
    this.#waiting = false;
  }

  #stop(err: unknown): void {
    this.#stopReason ??= { error: err };
    if (this.#reject) this.#onError(err);
  }

  /** Report how the stream ended (once), stop listening, and release the upstream. */
  #finish(end: StreamEnd): void {
    if (this.#closed) return;
    this.#closed = true;
    const options = this.#options;
    if (this.#timer) clearTimeout(this.#timer);
    options.exchangeAbort.removeEventListener('abort', this.#onExchangeAbort);
    options.deadlineAbort.removeEventListener('abort', this.#onDeadline);
    try {
      options.onEnd(end);
    } finally {
      options.abortUpstream();
      void Promise.resolve(this.#source.return?.()).catch(() => undefined);
    }
  }
}

const DONE: IteratorResult<SseEvent> = Object.freeze({ done: true, value: undefined });
const MALFORMED = 'Upstream sent a malformed stream event';

function midStream(provider: string, message: string, kind: 'timeout' | 'network' | 'server_error', cause?: unknown): ProviderError {
  return new ProviderError(message, { kind, provider, afterFirstByte: true, cause });
}

function asMidStream(err: ProviderError): ProviderError {
  if (err.afterFirstByte) return err;
  return new ProviderError(err.message, {
    kind: err.failureKind,
    provider: err.provider,
    upstreamStatus: err.upstreamStatus,
    retryAfterMs: err.retryAfterMs,
    afterFirstByte: true,
    cause: err,
  });
}
