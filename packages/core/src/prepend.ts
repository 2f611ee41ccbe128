/**
 * Stream plumbing without an async generator per layer. A stream event crosses many layers
 * (adapter, failover, accounting, writer); every async-generator layer costs several promises
 * and microtask turns per event, which showed up as GC and microtask time in profiles.
 * @module
 */

/**
 * Yield `first`, then whatever `rest` yields. After the first item `next()` *is* `rest.next()`,
 * so this layer adds no promise per item. Stopping early (`return()`, a `break` in `for await`)
 * closes `rest`: `'await'` waits for it to finish closing (and rejects if closing fails),
 * `'detach'` starts the close and returns at once (errors of the close are ignored).
 *
 * @example
 * const it = source[Symbol.asyncIterator]();
 * const head = await it.next();
 * if (!head.done) for await (const ev of prependItem(head.value, it)) write(ev);
 */
export function prependItem<T>(first: T, rest: AsyncIterator<T>, close: 'await' | 'detach' = 'await'): AsyncIterableIterator<T> & SyncPull<T> {
  let pending = true;
  let closed = false;
  const iterator: AsyncIterableIterator<T> & SyncPull<T> = {
    tryNext() {
      if (pending) {
        pending = false;
        return { done: false, value: first };
      }
      return closed ? undefined : tryNext(rest);
    },
    next() {
      if (pending) {
        pending = false;
        return Promise.resolve({ done: false, value: first });
      }
      if (closed) return Promise.resolve({ done: true, value: undefined });
      return rest.next();
    },
    async return(value?: unknown) {
      pending = false;
      if (!closed) {
        closed = true;
        if (close === 'await') await rest.return?.();
        else void Promise.resolve(rest.return?.()).catch(() => undefined);
      }
      return { done: true, value: value as T };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * An async iterator that can also hand out an item that is already here, without a promise:
 * a burst of events from one upstream read then crosses every layer as plain calls instead of
 * a promise and a microtask turn per layer and per event. `tryNext()` returns the next item
 * when it is ready now, else undefined (then `next()` is the way). It only ever hands out
 * items: the end and failures always come through `next()`. Never call it while a `next()` is
 * pending. A layer that cannot answer synchronously simply does not have it.
 */
export interface SyncPull<T> {
  tryNext(): IteratorYieldResult<T> | undefined;
}

/**
 * The next item of `iterator` if it is already here ({@link SyncPull}), else undefined.
 * @example const next = tryNext(events) ?? (await events.next());
 */
export function tryNext<T>(iterator: AsyncIterator<T>): IteratorYieldResult<T> | undefined {
  return (iterator as Partial<SyncPull<T>>).tryNext?.();
}
