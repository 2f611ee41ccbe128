import type { Route, RouteResult } from '@switchyard/core';
import { AdminQueryError, parseLogQuery } from './admin-query.js';
import type { ProviderPerformance } from './provider-performance.js';
import { isQueryable, type RequestLogStore, type RequestLogSink } from './store.js';
import { usageReport } from './usage-report.js';

/** Options of {@link usageAdminRoutes}. */
export interface UsageAdminOptions {
  /** A queryable request log store (SQLite or PostgreSQL). Required. */
  store: RequestLogStore | RequestLogSink;
  /** Live provider stats for `/providers/performance`. Defaults to none (the route answers 404). */
  performance?: ProviderPerformance;
  /** Largest page of `/logs`. Defaults to 500. */
  maxLimit?: number;
  /** Clock in ms (for `window=`). Defaults to Date.now. */
  now?: () => number;
}

/**
 * The usage part of the admin API, as a framework-neutral route table to mount behind your own
 * admin auth with `koaRoutes` or `expressRoutes` (the gateway mounts it at `/admin`):
 * - `GET /logs?key&from&to&model&provider&status&limit&cursor`: newest first, `next_cursor` to page;
 * - `GET /logs/:id`: one request in detail (attempts, cost breakdown, captured bodies);
 * - `GET /usage?group_by=key|model|provider&window=24h|7d|30d` (or `from`/`to`)`[&bucket=1h]`: requests, tokens, spend (per time bucket with `bucket`);
 * - `GET /providers/performance`: average and p95 latency, success rate, in-flight attempts.
 *
 * @example
 * app.use('/admin', requireAdmin, expressRoutes(usageAdminRoutes({ store, performance })));
 */
export function usageAdminRoutes(options: UsageAdminOptions): Route[] {
  const store = options?.store;
  if (!store || !isQueryable(store)) throw new TypeError('usageAdminRoutes: `store` must be a queryable request log store (SQLite or PostgreSQL)');
  const now = options.now ?? Date.now;
  const maxLimit = options.maxLimit ?? 500;
  return [
    {
      method: 'GET',
      path: '/logs',
      handler: ({ query }) =>
        answer(async () => {
          const page = await store.list(parseLogQuery(queryParams(query), maxLimit));
          return { object: 'list', data: page.records, next_cursor: page.nextCursor ?? null };
        }),
    },
    {
      method: 'GET',
      path: '/logs/:id',
      handler: ({ params }) =>
        answer(async () => {
          const record = await store.get(params.id!);
          if (!record) throw Object.assign(new AdminQueryError(`No request log with id ${params.id}`), { status: 404 });
          return record;
        }),
    },
    {
      method: 'GET',
      path: '/usage',
      handler: ({ query }) => answer(() => usageReport(store, queryParams(query), now())),
    },
    {
      method: 'GET',
      path: '/providers/performance',
      handler: () =>
        answer(async () => {
          if (!options.performance) throw Object.assign(new AdminQueryError('Provider performance is not tracked'), { status: 404 });
          return { object: 'list', data: options.performance.snapshot() };
        }),
    },
  ];
}

/** The query string as the parsers take it: one value, or every value of a repeated name. */
function queryParams(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of new Set(query.keys())) {
    const values = query.getAll(name);
    out[name] = values.length === 1 ? values[0]! : values;
  }
  return out;
}

async function answer(fn: () => Promise<unknown>): Promise<RouteResult> {
  try {
    return { status: 200, body: await fn() };
  } catch (err) {
    if (!(err instanceof AdminQueryError)) throw err;
    return { status: err.status, body: { error: { message: err.message, type: err.status === 404 ? 'not_found_error' : 'invalid_request_error' } } };
  }
}
