import type { ServerResponse } from 'node:http';
import type { Exchange, StreamResponse } from './exchange.js';
import { tryNext } from './prepend.js';
import { streamErrorFrame } from './respond.js';
import { formatSseEvent, type SseEvent } from './sse.js';

/** Largest batch of frames held before it is written, in characters. */
const MAX_BATCH_CHARS = 64 * 1024;

/**
 * Write the frames of a stream response to a node `ServerResponse` whose status and headers are
 * set (they go out with the first frames). No `Readable` and no `stream.pipeline` in between:
 * events pulled from the source are appended to one batch, written once the events that are
 * already here have been taken or when the batch passes 64 KB; while the socket is full the
 * source is not pulled. The batch is written after the I/O of the current turn of the event
 * loop (`setImmediate`), not on the next tick: a burst from one upstream read is one write, and
 * when the upstream's end arrives with its last events (as it usually does) the response's
 * last frames and its end go out in that same write, not in a write of their own.
 *
 * An error from the source is recorded on the exchange and ends the stream with an in-band
 * error event in the client's format, after the frames before it. When the client goes away,
 * the source is closed (`return()`), so its upstream is released even if it ignores
 * `exchange.signal`. Resolves when the response has ended or the client has gone.
 * @example res.statusCode = 200; res.setHeader('content-type', 'text/event-stream'); await writeSseBody(res, exchange, response);
 */
export function writeSseBody(res: ServerResponse, exchange: Exchange, response: StreamResponse): Promise<void> {
  return new SseBodyWriter(res, exchange, response).run();
}

class SseBodyWriter {
  readonly #res: ServerResponse;
  readonly #exchange: Exchange;
  readonly #events: AsyncIterator<SseEvent | string>;
  #batch = '';
  #flushQueued = false;
  /** The source has ended, failed or been closed: nothing more is pulled. */
  #done = false;
  readonly #flush = (): void => {
    this.#flushQueued = false;
    const out = this.#batch;
    this.#batch = '';
    if (out !== '' && !this.#res.writableEnded && !this.#res.destroyed) this.#res.write(out);
  };
  readonly #onClose = (): void => this.#close();

  constructor(res: ServerResponse, exchange: Exchange, response: StreamResponse) {
    this.#res = res;
    this.#exchange = exchange;
    this.#events = response.events[Symbol.asyncIterator]();
  }

  async run(): Promise<void> {
    const res = this.#res;
    res.once('close', this.#onClose);
    // `stream.pipeline` used to listen for errors of the response; a write racing a reset
    // connection must not become an unhandled 'error' event (the close settles the exchange).
    if (res.listenerCount('error') === 0) res.on('error', ignore);
    try {
      for (;;) {
        if (res.writableNeedDrain) await drained(res);
        if (this.#done) return;
        // Events already here (a burst from one upstream read) are taken without a promise.
        const next = tryNext(this.#events) ?? (await this.#events.next());
        if (this.#done) return;
        if (next.done) break;
        const item = next.value;
        this.#batch += typeof item === 'string' ? item : formatSseEvent(item);
        if (this.#batch.length >= MAX_BATCH_CHARS) this.#flush();
        else if (!this.#flushQueued) {
          this.#flushQueued = true;
          setImmediate(this.#flush);
        }
      }
      this.#done = true;
      this.#end('');
    } catch (err) {
      if (this.#done) return; // the client left: nobody to tell
      this.#done = true;
      const exchange = this.#exchange;
      if (exchange.abortWatch.aborted && exchange.settled) return;
      exchange.error = err;
      this.#end(streamErrorFrame(exchange.format, err, exchange.id));
    } finally {
      res.off('close', this.#onClose);
    }
  }

  #end(last: string): void {
    const out = this.#batch + last;
    this.#batch = '';
    const res = this.#res;
    if (res.writableEnded || res.destroyed) return;
    // write + end rather than end(out): a response ended by its first call would get a
    // content-length; both calls land in the same corked write.
    if (out !== '') res.write(out);
    res.end();
  }

  /** The connection closed before the stream ended: release the source. */
  #close(): void {
    if (this.#done) return;
    this.#done = true;
    this.#batch = '';
    void Promise.resolve(this.#events.return?.()).catch(() => undefined);
  }
}

function ignore(): void {}

/** Resolves once `res` can take more, or has closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
