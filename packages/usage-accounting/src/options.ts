import { silentLogger, type Logger } from '@switchyard/core';
import type { UsageMetrics } from './metrics.js';
import { noPrices, type CachePriceFallback, type UsagePriceLookup } from './pricing.js';
import type { RequestLogRecord } from './record.js';
import { redactionSet } from './redact.js';
import type { RequestLogSink } from './store.js';

/** Options of {@link usageAccounting}. */
export interface UsageAccountingOptions {
  /**
   * Price of the model a provider served, per million tokens. Model-mapping's catalog provides
   * one. Unknown models cost `null` with a reason, never 0. Defaults to a lookup that knows no
   * price.
   */
  prices?: UsagePriceLookup;
  /**
   * Cache tokens on a price without a cache price: `null` makes the cost unknown, `input`
   * prices them at the input price. Defaults to `'null'`.
   */
  cachePriceFallback?: CachePriceFallback;
  /**
   * Where request log records go: `sqliteRequestLogStore(db)`, `await postgresRequestLogStore(pool)`,
   * or `callbackRequestLogStore(fn)`. Defaults to none (usage and cost are still computed).
   */
  store?: RequestLogSink;
  /** Records per store write. Defaults to 200. */
  batchSize?: number;
  /** Longest a record waits before it is written, in ms (what a crash can lose). Defaults to 1000. */
  flushIntervalMs?: number;
  /** Delete log records older than this, in ms. Defaults to keeping everything. */
  retentionMs?: number;
  /** Capture request and/or response bodies in the log, redacted. Defaults to off. */
  capture?: {
    /** Defaults to false. */
    request?: boolean;
    /** Defaults to false. */
    response?: boolean;
    /** Field names to redact at any depth, on top of the built-in secrets (`api_key`, `authorization`, …). Defaults to []. */
    redactFields?: string[];
    /** Largest captured body in characters; longer ones are cut and flagged. Defaults to 65536. */
    maxChars?: number;
  };
  /**
   * Ask OpenAI-format upstreams for stream usage (`stream_options.include_usage`) even when the
   * client did not, and hide that chunk from such a client. Defaults to true.
   */
  streamUsage?: boolean;
  /** Estimate usage with a tokenizer when the provider reports none. Defaults to true. */
  estimate?: boolean;
  /** Set `x-switchyard-cost-usd` on JSON responses when the cost is known. Defaults to true. */
  costHeader?: boolean;
  /** Metrics from `createMetrics()`, fed one observation per request. Defaults to none. */
  metrics?: UsageMetrics;
  /** Called with every record as it is queued (e.g. for your own accounting). Defaults to none. */
  onRecord?: (record: RequestLogRecord) => void;
  /** Event data kept per stream for estimation and capture, in characters. Defaults to 1048576. */
  maxStreamChars?: number;
  /** Clock in ms. Defaults to Date.now. */
  now?: () => number;
  /** Defaults to a silent logger. */
  logger?: Logger;
}

export interface ResolvedOptions {
  prices: UsagePriceLookup;
  cachePriceFallback: CachePriceFallback;
  store: RequestLogSink | undefined;
  batchSize: number;
  flushIntervalMs: number;
  retentionMs: number | undefined;
  capture: { request: boolean; response: boolean; redact: ReadonlySet<string>; maxChars: number };
  streamUsage: boolean;
  estimate: boolean;
  costHeader: boolean;
  metrics: UsageMetrics | undefined;
  onRecord: ((record: RequestLogRecord) => void) | undefined;
  maxStreamChars: number;
  now: () => number;
  logger: Logger;
}

function fail(field: string, expected: string): never {
  throw new TypeError(`usageAccounting: \`${field}\` must be ${expected}`);
}

const isPositiveInt = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0;

export function resolveOptions(options: UsageAccountingOptions = {}): ResolvedOptions {
  if (options.prices !== undefined && typeof options.prices !== 'function') fail('prices', 'a function (provider, model) => price');
  const fallback = options.cachePriceFallback ?? 'null';
  if (fallback !== 'null' && fallback !== 'input') fail('cachePriceFallback', "'null' or 'input'");
  if (options.store !== undefined && typeof options.store?.write !== 'function') fail('store', 'a request log store (with write())');
  for (const field of ['batchSize', 'flushIntervalMs', 'retentionMs', 'maxStreamChars'] as const) {
    if (options[field] !== undefined && !isPositiveInt(options[field])) fail(field, 'a positive integer');
  }
  const capture = options.capture ?? {};
  if (capture.maxChars !== undefined && !isPositiveInt(capture.maxChars)) fail('capture.maxChars', 'a positive integer');
  if (capture.redactFields !== undefined && !(Array.isArray(capture.redactFields) && capture.redactFields.every((f) => typeof f === 'string'))) {
    fail('capture.redactFields', 'an array of field names');
  }
  if (options.metrics !== undefined && typeof options.metrics?.observeRequest !== 'function') fail('metrics', 'the result of createMetrics()');
  if (options.onRecord !== undefined && typeof options.onRecord !== 'function') fail('onRecord', 'a function');
  return {
    prices: options.prices ?? noPrices,
    cachePriceFallback: fallback,
    store: options.store,
    batchSize: options.batchSize ?? 200,
    flushIntervalMs: options.flushIntervalMs ?? 1000,
    retentionMs: options.retentionMs,
    capture: {
      request: capture.request === true,
      response: capture.response === true,
      redact: redactionSet(capture.redactFields),
      maxChars: capture.maxChars ?? 65_536,
    },
    streamUsage: options.streamUsage !== false,
    estimate: options.estimate !== false,
    costHeader: options.costHeader !== false,
    metrics: options.metrics,
    onRecord: options.onRecord,
    maxStreamChars: options.maxStreamChars ?? 1_048_576,
    now: options.now ?? Date.now,
    logger: options.logger ?? silentLogger,
  };
}
