import type { KeyUsageTotals } from '@switchyard/core';
import type { RequestLogRecord } from './record.js';

export type { KeyUsageTotals };

/** Somewhere request log records go. All a callback store offers. */
export interface RequestLogSink {
  /**
   * Persist a batch. Must be all-or-nothing per batch and idempotent per record `uid`, so a
   * batch retried after a failure is not counted twice.
   */
  write(batch: readonly StoredRecord[]): Promise<void>;
  /** Delete records that started before `time` (ms). Returns how many. Optional. */
  prune?(time: number): Promise<number>;
}

/** A record with the store-unique id the writer gives it (the request id may repeat). */
export interface StoredRecord extends RequestLogRecord {
  uid: string;
}

/** Filters of the request log listing. Every field is optional. */
export interface LogQuery {
  keyId?: string;
  /** Inclusive start, ms. */
  from?: number;
  /** Exclusive end, ms. */
  to?: number;
  /** Matches the resolved or the requested model. */
  model?: string;
  provider?: string;
  status?: number;
  /** Page size. */
  limit: number;
  /** Opaque cursor from the previous page's `nextCursor`. */
  cursor?: string;
}

/** One page of request logs, newest first. */
export interface LogPage {
  records: RequestLogRecord[];
  /** Pass as `cursor` to get the next page; absent on the last page. */
  nextCursor?: string;
}

export type UsageGroupBy = 'key' | 'model' | 'provider';

/** Requests, tokens and spend of one group over a window: a key's totals, plus failures and estimates. */
export interface UsageGroup extends KeyUsageTotals {
  /** The key id, resolved model or provider (null for requests with none, e.g. all attempts failed). */
  group: string | null;
  /** The key name, for `group_by=key`. */
  name?: string | null;
  failedRequests: number;
  /** Requests whose usage was estimated by a tokenizer. */
  estimatedRequests: number;
}

/** Usage of one group in one time bucket. */
export interface UsageBucket extends UsageGroup {
  /** Start of the bucket in ms since the epoch (a multiple of the bucket size). */
  bucketStart: number;
}

/** A request log store that can be queried (SQLite, PostgreSQL). */
export interface RequestLogStore extends RequestLogSink {
  list(query: LogQuery): Promise<LogPage>;
  /** The latest record with this request id. */
  get(id: string): Promise<RequestLogRecord | undefined>;
  aggregate(groupBy: UsageGroupBy, from: number, to: number): Promise<UsageGroup[]>;
  /** {@link aggregate} per group and `bucketMs` time bucket (aligned to the epoch), oldest bucket first; one query. */
  aggregateByTime(groupBy: UsageGroupBy, from: number, to: number, bucketMs: number): Promise<UsageBucket[]>;
  /** Stored lifetime totals of these keys (keys with no traffic are absent). */
  keyTotals(keyIds: readonly string[]): Promise<Map<string, KeyUsageTotals>>;
  prune(time: number): Promise<number>;
}

/** Whether a sink can also be queried (admin API). */
export function isQueryable(sink: RequestLogSink): sink is RequestLogStore {
  return typeof (sink as RequestLogStore).list === 'function' && typeof (sink as RequestLogStore).aggregate === 'function';
}

/** Empty totals. */
export function zeroTotals(): KeyUsageTotals {
  return { requests: 0, inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, outputTokens: 0, spendUsd: 0, unpricedRequests: 0 };
}

/**
 * The totals one record adds to its key. `inputTokens` is uncached input, as in core `Usage`;
 * a served request whose cost is unknown adds nothing to the spend and one to `unpricedRequests`.
 */
export function totalsOf(r: RequestLogRecord): KeyUsageTotals {
  return addRecord(zeroTotals(), r, 1);
}

/** Adds (`sign` 1) or takes away (-1) one record's totals in place; returns `into`. */
export function addRecord(into: KeyUsageTotals, r: RequestLogRecord, sign: 1 | -1): KeyUsageTotals {
  const u = r.usage;
  into.requests += sign;
  if (u) {
    into.inputTokens += sign * u.input;
    into.cacheReadTokens += sign * u.cacheRead;
    into.cacheWriteTokens += sign * u.cacheWrite;
    into.cacheWrite1hTokens += sign * u.cacheWrite1h;
    into.outputTokens += sign * u.output;
  }
  into.spendUsd += sign * (r.costUsd ?? 0);
  if (r.costUsd === null) into.unpricedRequests += sign;
  return into;
}

/** a + b, field by field. */
export function addTotals(a: KeyUsageTotals, b: KeyUsageTotals): KeyUsageTotals {
  return {
    requests: a.requests + b.requests,
    inputTokens: a.inputTokens + b.inputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    cacheWrite1hTokens: a.cacheWrite1hTokens + b.cacheWrite1hTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    spendUsd: a.spendUsd + b.spendUsd,
    unpricedRequests: a.unpricedRequests + b.unpricedRequests,
  };
}
