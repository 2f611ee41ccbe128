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
export function prependItem<T>(first: T, rest: AsyncIterator<T>, close: 'await' | 'detach' = 'await'): AsyncIterableIterator<T> {
  let pending = true;
  let closed = false;
  const iterator: AsyncIterableIterator<T> = {
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
