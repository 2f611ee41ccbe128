import {
  LiveList,
  tryNext,
  type Exchange,
  type ExchangeMiddleware,
  type Settlement,
  type SseEvent,
  type StreamResponse,
  type SyncPull,
  type Usage,
} from '@switchyard/core';
import { buildRecord, overheadMs, resolveCost, resolveUsage, type Observation } from './account.js';
import { loadedTokenCounter, loadTokenCounter } from './estimate.js';
import { resolveOptions, type ResolvedOptions, type UsageAccountingOptions } from './options.js';
import { formatUsd } from './pricing.js';
import type { RequestLogRecord } from './record.js';
import { redact } from './redact.js';
import { addTotals, isQueryable, totalsOf, zeroTotals, type KeyUsageTotals, type RequestLogStore } from './store.js';
import { STREAM_OBSERVER, StreamUsageObserver } from './usage-parse.js';
import { RequestLogWriter } from './writer.js';

/** The middleware, plus its lifecycle and the per-key totals it keeps. */
export interface UsageAccounting extends ExchangeMiddleware {
  /** Write every queued record now. */
  flush(): Promise<void>;
  /** Graceful shutdown: wait for settlements in progress, then write everything queued. */
  close(): Promise<void>;
  /**
   * Lifetime totals (requests, tokens, spend) of these keys: stored totals plus records not yet
   * written, so the numbers are current. Without a queryable store: totals since start.
   */
  usageTotals(keyIds: readonly string[]): Promise<Map<string, KeyUsageTotals>>;
  /** The batching writer, when a store is configured. */
  readonly writer: RequestLogWriter | undefined;
  /**
   * Account for one of the gateway's own model calls (a classifier's or a judge's, `strategy`
   * naming the purpose, no key): a request log row of its own and the `switchyard_internal_*`
   * metrics, never the client request series.
   */
  recordInternalCall(record: RequestLogRecord): void;
}

/**
 * Usage and cost of every request, one request log record each, per-key totals, metrics
 * (issue 8). Mount it before the executor (failover) in the same neutral pipeline: it edits
 * the request on the way in (stream usage) and reads the response on the way out.
 *
 * @example
 * const accounting = usageAccounting({ prices: catalog.price, store: sqliteRequestLogStore(db), metrics });
 * app.use(toKoa(compose([auth, accounting, mapping, failover])));
 * process.once('SIGTERM', () => void accounting.close());
 */
export function usageAccounting(options: UsageAccountingOptions = {}): UsageAccounting {
  const config = resolveOptions(options);
  const writer = config.store
    ? new RequestLogWriter({
        sink: config.store,
        batchSize: config.batchSize,
        intervalMs: config.flushIntervalMs,
        retentionMs: config.retentionMs,
        now: config.now,
        logger: config.logger,
      })
    : undefined;
  // Totals since start, for keys when there is no store to ask.
  const sinceStart = new Map<string, KeyUsageTotals>();
  // A LiveList, not a Set: a Set each settlement passed through pinned it until a full GC.
  const settling = new LiveList<Promise<void>>();
  const queryable = config.store !== undefined && isQueryable(config.store);
  // The tokenizer (~20 MB of tables) loads the first time an answer without usage needs it.

  async function usageAccounting(exchange: Exchange, next: () => Promise<void>): Promise<void> {
    const obs: Observation = { clientBody: exchange.body };
    let stripUsage = false;
    if (exchange.format === 'openai.chat' && exchange.stream && config.streamUsage) {
      const existing = exchange.body.stream_options;
      const asked = typeof existing === 'object' && existing !== null && (existing as Record<string, unknown>).include_usage === true;
      stripUsage = !asked;
      if (!asked) exchange.body = { ...exchange.body, stream_options: { ...(existing as object | undefined), include_usage: true } };
    }
    exchange.onSettled((ex, settlement) => {
      const done = settle(ex, settlement, obs).catch((err) => config.logger.error({ err: String(err), requestId: ex.id }, 'usage accounting failed'));
      const entry = settling.add(done);
      void done.finally(() => settling.delete(entry));
    });

    await next();

    obs.readyAt = exchange.now();
    const response = exchange.response;
    if (response?.kind === 'stream') {
      const observer = new StreamUsageObserver(exchange.format, stripUsage, config.maxStreamChars);
      obs.stream = { observer, phase: 'pending' };
      exchange.locals.set(STREAM_OBSERVER, observer);
      exchange.response = { ...response, events: observe(response, obs.stream, () => exchange.now()) };
    } else if (response?.kind === 'json' && config.costHeader && response.status < 400) {
      // JSON: the cost is known before the adapter writes headers. Streams: only at the end.
      let usage = resolveUsage(exchange, obs, loadedTokenCounter(), config.estimate);
      if (usage === 'needs-tokenizer') usage = resolveUsage(exchange, obs, await loadTokenCounter(), config.estimate) as Usage | undefined;
      const cost = resolveCost(exchange, usage, config.prices, config.cachePriceFallback);
      if (cost.usd !== null) exchange.responseHeaders['x-switchyard-cost-usd'] = formatUsd(cost.usd);
    }
  }

  async function settle(exchange: Exchange, settlement: Settlement, obs: Observation): Promise<void> {
    let usage = resolveUsage(exchange, obs, loadedTokenCounter(), config.estimate);
    if (usage === 'needs-tokenizer') usage = resolveUsage(exchange, obs, await loadTokenCounter(), config.estimate) as Usage | undefined;
    const served = exchange.response !== undefined && exchange.response.status < 400;
    const billedUsage = served || exchange.attempts.some((a) => a.outcome === 'success') ? usage : undefined;
    // Later settlement listeners (rate-limit) read the final usage and cost from the exchange.
    if (billedUsage) exchange.usage = billedUsage;
    const cost = resolveCost(exchange, billedUsage, config.prices, config.cachePriceFallback);
    exchange.cost = cost;
    const record = buildRecord(exchange, settlement, obs, billedUsage, cost, config.prices, config.cachePriceFallback);
    capture(record, exchange, obs, config);
    // A request refused for want of a valid key is counted, not stored: without a key, a client
    // must not be able to grow the request log.
    if (!(record.status === 401 && record.keyId === null)) writer?.push(record);
    if (!queryable && record.keyId !== null) sinceStart.set(record.keyId, addTotals(sinceStart.get(record.keyId) ?? zeroTotals(), totalsOf(record)));
    config.metrics?.observeRequest(record, overheadMs(exchange, obs));
    config.onRecord?.(record);
  }

  const middleware = usageAccounting as UsageAccounting;
  Object.defineProperty(middleware, 'writer', { value: writer, enumerable: true });
  middleware.recordInternalCall = (record) => {
    writer?.push(record);
    config.metrics?.observeInternalCall(record);
    config.onRecord?.(record);
  };
  middleware.flush = async () => {
    await Promise.allSettled(settling.values());
    await writer?.flush();
  };
  middleware.close = async () => {
    await Promise.allSettled(settling.values());
    await writer?.close();
  };
  middleware.usageTotals = async (keyIds) => {
    const out = new Map<string, KeyUsageTotals>();
    if (!writer || !queryable) {
      for (const id of keyIds) {
        const t = sinceStart.get(id);
        if (t) out.set(id, t);
      }
      return out;
    }
    const stored = await (config.store as RequestLogStore).keyTotals(keyIds);
    for (const id of keyIds) {
      const total = addTotals(stored.get(id) ?? zeroTotals(), writer.pendingTotals(id));
      if (total.requests > 0) out.set(id, total);
    }
    return out;
  };
  return middleware;
}

/**
 * Pass a stream through, watching usage and timing, dropping usage the client did not ask for.
 * A plain iterator over the source rather than an async generator: one `then` per event instead
 * of a generator layer's several promises and microtask turns.
 */
function observe(response: StreamResponse, state: NonNullable<Observation['stream']>, now: () => number): AsyncIterable<SseEvent | string> {
  let source: AsyncIterator<SseEvent | string> | undefined;
  const settled = (phase: 'completed' | 'errored' | 'aborted') => {
    if (state.phase === 'streaming' || state.phase === 'pending') state.phase = phase;
  };
  /** What to hand on for an item of the source: itself, a rewrite, or undefined to drop it. */
  const pass = (item: SseEvent | string): SseEvent | string | undefined => {
    state.firstEventAt ??= now();
    if (typeof item === 'string') return item;
    try {
      return state.observer.observe(item);
    } catch (err) {
      settled('errored');
      throw err;
    }
  };
  // Both handlers made once per stream, not per event.
  const onNext = (next: IteratorResult<SseEvent | string>): IteratorResult<SseEvent | string> | Promise<IteratorResult<SseEvent | string>> => {
    if (next.done) {
      settled('completed');
      return next;
    }
    const out = pass(next.value);
    // A dropped event (usage the client did not ask for): read on. An unchanged one keeps its result object.
    return out === next.value ? next : out !== undefined ? { done: false, value: out } : pull();
  };
  const onError = (err: unknown): never => {
    settled('errored');
    throw err;
  };
  const pull = (): Promise<IteratorResult<SseEvent | string>> => source!.next().then(onNext, onError);
  const iterator: AsyncIterableIterator<SseEvent | string> & SyncPull<SseEvent | string> = {
    next() {
      if (!source) {
        source = response.events[Symbol.asyncIterator]();
        state.phase = 'streaming';
      }
      return pull();
    },
    // Events the source already has, observed the same way, without a promise (see SyncPull).
    tryNext() {
      if (!source) return undefined;
      for (let next = tryNext(source); next !== undefined; next = tryNext(source)) {
        const out = pass(next.value);
        if (out !== undefined) return out === next.value ? next : { done: false, value: out };
      }
      return undefined;
    },
    async return(value?: unknown) {
      if (source) settled('aborted');
      await source?.return?.();
      return { done: true, value: value as SseEvent | string };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

function capture(record: RequestLogRecord, exchange: Exchange, obs: Observation, config: ResolvedOptions): void {
  const { request, response, redact: fields, maxChars } = config.capture;
  if (request) record.requestBody = limit(redact(obs.clientBody, fields), maxChars);
  if (!response) return;
  if (obs.stream) {
    const events = obs.stream.observer.data.map((d) => {
      try {
        return JSON.parse(d) as unknown;
      } catch {
        return d;
      }
    });
    record.responseBody = limit(redact(events, fields), maxChars);
  } else if (exchange.response?.kind === 'json') {
    let body: unknown = exchange.response.body;
    try {
      body = JSON.parse(exchange.response.body);
    } catch {
      // not JSON: keep the text
    }
    record.responseBody = limit(redact(body, fields), maxChars);
  }
}

function limit(value: unknown, maxChars: number): unknown {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined || text.length <= maxChars) return value;
  return { truncated: true, chars: text.length, head: text.slice(0, maxChars) };
}
