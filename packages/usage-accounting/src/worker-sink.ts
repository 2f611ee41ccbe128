import type { RequestLogSink, RequestLogStore, StoredRecord } from './store.js';

/**
 * Request log writes on a worker thread. better-sqlite3 writes are synchronous: a batch of 200
 * inserts (7 b-trees per row) held the event loop for milliseconds and showed up as ~8-10% of
 * the gateway's CPU profile. A worker owns its own connection to the same file (WAL lets it
 * write while the main connection reads) and the main thread only posts the batch.
 * @module
 */

/** The part of a `worker_threads` Worker the sink uses (typed structurally, no runtime import). */
export interface SinkWorker {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}

/** The worker's side: `parentPort` of `node:worker_threads`. */
export interface SinkPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

type Call = { op: 'write'; batch: string } | { op: 'prune'; time: number };
type Request = Call & { id: number };
type Reply = { id: number; ok: true; value?: number } | { id: number; ok: false; error: string };

/** A {@link RequestLogSink} that a worker serves; `close()` stops the worker. */
export interface WorkerRequestLogSink extends RequestLogSink {
  prune(time: number): Promise<number>;
  /** Stop the worker (after the writer has flushed). Idempotent. */
  close(): Promise<void>;
}

/**
 * Send request log writes to a worker that runs {@link serveRequestLogSink}. While the worker
 * is down (it crashed or exited), writes go to `fallback` on this thread when given, else they
 * reject and the writer keeps its records buffered. The worker only holds the process open
 * while a write is in flight, so a process that never calls `close()` still exits.
 *
 * @example
 * const worker = new Worker(new URL('./log-worker.js', import.meta.url), { workerData: { path } });
 * const sink = workerRequestLogSink(worker, { fallback: sqliteRequestLogStore(db) });
 */
export function workerRequestLogSink(worker: SinkWorker, options: { fallback?: RequestLogSink } = {}): WorkerRequestLogSink {
  const pending = new Map<number, { resolve(value: number | undefined): void; reject(err: Error): void }>();
  let nextId = 1;
  let down: Error | undefined;
  worker.unref();

  const failAll = (err: Error) => {
    down ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    worker.unref();
  };
  worker.on('message', (message) => {
    const reply = message as Reply;
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (reply.ok) p.resolve(reply.value);
    else p.reject(new Error(reply.error));
  });
  worker.on('error', (err) => failAll(err));
  worker.on('exit', (code) => failAll(new Error(`request log worker exited (code ${code})`)));

  const call = (request: Call): Promise<number | undefined> => {
    if (down) return Promise.reject(down);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      if (pending.size === 1) worker.ref();
      worker.postMessage({ ...request, id });
    });
  };

  return {
    async write(batch: readonly StoredRecord[]) {
      if (batch.length === 0) return;
      if (down && options.fallback) return options.fallback.write(batch);
      // One JSON string, not a structured clone of every record: cheaper to build on this thread.
      await call({ op: 'write', batch: JSON.stringify(batch) });
    },
    async prune(time: number) {
      if (down && options.fallback?.prune) return options.fallback.prune(time);
      return (await call({ op: 'prune', time })) ?? 0;
    },
    async close() {
      if (down) return;
      down = new Error('request log worker closed');
      await worker.terminate();
    },
  };
}

/**
 * The worker's side of {@link workerRequestLogSink}: apply each batch to `sink` (for example a
 * `sqliteRequestLogStore` on the worker's own connection), one at a time, and answer.
 *
 * @example
 * // log-worker.js
 * import { parentPort, workerData } from 'node:worker_threads';
 * serveRequestLogSink(sqliteRequestLogStore(new Database(workerData.path)), parentPort!);
 */
export function serveRequestLogSink(sink: RequestLogSink, port: SinkPort): void {
  let queue = Promise.resolve();
  port.on('message', (message) => {
    const request = message as Request;
    queue = queue.then(async () => {
      let reply: Reply;
      try {
        if (request.op === 'write') {
          await sink.write(JSON.parse(request.batch) as StoredRecord[]);
          reply = { id: request.id, ok: true };
        } else {
          reply = { id: request.id, ok: true, value: sink.prune ? await sink.prune(request.time) : 0 };
        }
      } catch (err) {
        reply = { id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) };
      }
      port.postMessage(reply);
    });
  });
}

/**
 * A store that reads from `store` and writes through `sink` (reads stay on this thread, writes
 * go to a worker).
 * @example const logs = withRequestLogSink(sqliteRequestLogStore(db), workerRequestLogSink(worker));
 */
export function withRequestLogSink(store: RequestLogStore, sink: RequestLogSink): RequestLogStore {
  return {
    write: (batch) => sink.write(batch),
    prune: (time) => (sink.prune ? sink.prune(time) : store.prune(time)),
    list: (query) => store.list(query),
    get: (id) => store.get(id),
    aggregate: (groupBy, from, to) => store.aggregate(groupBy, from, to),
    aggregateByTime: (groupBy, from, to, bucketMs) => store.aggregateByTime(groupBy, from, to, bucketMs),
    keyTotals: (keyIds) => store.keyTotals(keyIds),
  };
}
