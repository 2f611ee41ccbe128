import { parseDuration } from '@switchyard/core';
import type { LogQuery, UsageGroupBy } from './store.js';

/** A bad admin query parameter: the message names it. */
export class AdminQueryError extends Error {
  status = 400;
}

type Params = Record<string, string | string[] | undefined>;

const one = (params: Params, name: string): string | undefined => {
  const v = params[name];
  return Array.isArray(v) ? v[v.length - 1] : v === '' ? undefined : v;
};

/** A time as ms since the epoch or an ISO-8601 date. */
export function parseTime(value: string, name: string): number {
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(t)) throw new AdminQueryError(`\`${name}\` must be an ISO-8601 date or ms since the epoch`);
  return t;
}

const MAX_WINDOW_MS = 400 * 86_400_000;

/** `24h`, `7d`, `30d`, `90m`: a duration in ms (up to 400 days), read by core's duration parser. */
export function parseWindow(value: string): number {
  try {
    return parseDuration(value, { min: 1, max: MAX_WINDOW_MS });
  } catch {
    throw new AdminQueryError('`window` must look like 24h, 7d or 30d (up to 400 days)');
  }
}

/** The [from, to) range of a usage query: `window` back from now, or `from`/`to`. Defaults to the last 24 hours. */
export function parseRange(params: Params, now: number): { from: number; to: number } {
  const window = one(params, 'window');
  const fromRaw = one(params, 'from');
  const toRaw = one(params, 'to');
  const to = toRaw !== undefined ? parseTime(toRaw, 'to') : now;
  const from = fromRaw !== undefined ? parseTime(fromRaw, 'from') : to - parseWindow(window ?? '24h');
  if (from >= to) throw new AdminQueryError('`from` must be before `to`');
  return { from, to };
}

/** Most buckets one `/usage?bucket=` answer may hold per group. */
export const MAX_BUCKETS = 2000;

/** `bucket=1h` (1 minute up to 31 days) of a usage query over [from, to), or undefined without one. */
export function parseBucket(params: Params, range: { from: number; to: number }): number | undefined {
  const raw = one(params, 'bucket');
  if (raw === undefined) return undefined;
  let ms: number;
  try {
    ms = parseDuration(raw, { min: 60_000, max: 31 * 86_400_000 });
  } catch {
    throw new AdminQueryError('`bucket` must look like 5m, 1h or 1d (1 minute to 31 days)');
  }
  if (Math.ceil((range.to - range.from) / ms) > MAX_BUCKETS)
    throw new AdminQueryError(`\`bucket\` is too small for this range: at most ${MAX_BUCKETS} buckets`);
  return ms;
}

export function parseGroupBy(params: Params): UsageGroupBy {
  const g = one(params, 'group_by') ?? 'key';
  if (g !== 'key' && g !== 'model' && g !== 'provider') throw new AdminQueryError('`group_by` must be key, model or provider');
  return g;
}

/** Filters of `GET /logs`. */
export function parseLogQuery(params: Params, maxLimit = 500): LogQuery {
  const q: LogQuery = { limit: 50 };
  const limit = one(params, 'limit');
  if (limit !== undefined) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > maxLimit) throw new AdminQueryError(`\`limit\` must be an integer from 1 to ${maxLimit}`);
    q.limit = n;
  }
  const key = one(params, 'key') ?? one(params, 'key_id');
  if (key !== undefined) q.keyId = key;
  const from = one(params, 'from');
  if (from !== undefined) q.from = parseTime(from, 'from');
  const to = one(params, 'to');
  if (to !== undefined) q.to = parseTime(to, 'to');
  const model = one(params, 'model');
  if (model !== undefined) q.model = model;
  const provider = one(params, 'provider');
  if (provider !== undefined) q.provider = provider;
  const status = one(params, 'status');
  if (status !== undefined) {
    const n = Number(status);
    if (!Number.isInteger(n) || n < 100 || n > 599) throw new AdminQueryError('`status` must be an HTTP status code');
    q.status = n;
  }
  const cursor = one(params, 'cursor');
  if (cursor !== undefined) q.cursor = cursor;
  return q;
}
