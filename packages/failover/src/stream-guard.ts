import type { ClientFormat, SseEvent } from '@switchyard/core';
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
  exchangeSignal: AbortSignal;
  /** Aborts at the request deadline. */
  deadlineSignal: AbortSignal;
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
 */
export async function* guardStream(options: GuardOptions): AsyncGenerator<SseEvent> {
  const { result, exchangeSignal, deadlineSignal, idleMs } = options;
  const iterator = result.events[Symbol.asyncIterator]();
  let ended = false;
  const end = (e: StreamEnd) => {
    if (ended) return;
    ended = true;
    options.onEnd(e);
  };
  // A stop (client gone, deadline, stall) rejects the wait in progress. Not a long-lived promise
  // raced against every event: each race would leave one more reaction on it for the whole stream.
  let stopReason: { error: unknown } | undefined;
  let rejectWait: ((err: unknown) => void) | undefined;
  const stop = (err: unknown) => {
    stopReason ??= { error: err };
    rejectWait?.(err);
  };
  const onExchangeAbort = () => stop(exchangeSignal.reason);
  const onDeadline = () => stop(midStream(options.provider, 'Request deadline exceeded during the stream', 'timeout'));
  exchangeSignal.addEventListener('abort', onExchangeAbort, { once: true });
  deadlineSignal.addEventListener('abort', onDeadline, { once: true });
  if (exchangeSignal.aborted) onExchangeAbort();
  else if (deadlineSignal.aborted) onDeadline();
  // One idle timer for the whole stream, re-armed (refresh) each time we start waiting: only
  // upstream silence counts, not time the consumer spends writing to a slow client.
  let waiting = false;
  let timer: NodeJS.Timeout | undefined;
  if (idleMs > 0) {
    timer = setTimeout(function idle() {
      if (waiting) stop(midStream(options.provider, `Upstream stream stalled: no event for ${idleMs} ms`, 'timeout'));
    }, idleMs);
  }
  try {
    for (;;) {
      if (stopReason) throw stopReason.error;
      waiting = true;
      timer?.refresh();
      const next = await new Promise<IteratorResult<SseEvent>>((resolve, reject) => {
        rejectWait = reject;
        iterator.next().then(resolve, reject);
      });
      rejectWait = undefined;
      waiting = false;
      if (next.done) break;
      if (isMalformedEvent(options.format, next.value)) throw midStream(options.provider, 'Upstream sent a malformed stream event', 'server_error');
      yield next.value;
    }
    end({ outcome: 'success' });
  } catch (err) {
    if (exchangeSignal.aborted) {
      end({ outcome: 'aborted', error: exchangeSignal.reason });
      throw exchangeSignal.reason;
    }
    const error = isProviderError(err) ? asMidStream(err) : midStream(options.provider, 'Upstream stream failed', 'network', err);
    end({ outcome: 'failure', error });
    throw error;
  } finally {
    if (timer) clearTimeout(timer);
    exchangeSignal.removeEventListener('abort', onExchangeAbort);
    deadlineSignal.removeEventListener('abort', onDeadline);
    // Ended early (client left, stall, consumer broke out): release the upstream now.
    if (!ended) end({ outcome: 'aborted', error: exchangeSignal.reason ?? new Error('Stream closed early') });
    options.abortUpstream();
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

function midStream(provider: string, message: string, kind: 'timeout' | 'network' | 'server_error', cause?: unknown): ProviderError {
  return new ProviderError(message, { kind, provider, afterFirstByte: true, cause });
}

function asMidStream(err: ProviderError): ProviderError {
  if (err.afterFirstByte) return err;
  return new ProviderError(err.message, {
    kind: err.failureKind, provider: err.provider, upstreamStatus: err.upstreamStatus, retryAfterMs: err.retryAfterMs, afterFirstByte: true, cause: err,
  });
}
