import type { RequestLogRecord } from './record.js';
import type { RequestLogSink } from './store.js';

/**
 * Hand every batch of records to your own function (ship logs to a queue, a warehouse, a
 * log pipeline). A rejected promise keeps the batch for the next flush. The admin API needs a
 * queryable store, so a callback store does not serve it.
 *
 * @example
 * const sink = callbackRequestLogStore(async (records) => { await kafka.send(records) });
 */
export function callbackRequestLogStore(fn: (records: readonly RequestLogRecord[]) => void | Promise<void>): RequestLogSink {
  if (typeof fn !== 'function') throw new TypeError('callbackRequestLogStore: expected a function');
  return {
    async write(batch) {
      // The store-internal uid is not part of the public record.
      await fn(batch.map(({ uid: _uid, ...record }) => record));
    },
  };
}
