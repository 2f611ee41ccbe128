import { Router } from '@koa/router';
import type { Context } from 'koa';
import { ADMIN_ROUTER_OPTIONS } from '@switchyard/core';
import { AdminQueryError, parseGroupBy, parseLogQuery, parseRange } from './admin-query.js';
import type { ProviderPerformance } from './provider-performance.js';
import { isQueryable, type RequestLogStore, type RequestLogSink } from './store.js';

/** Options of {@link usageAdminRouter}. */
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
 * The usage part of the admin API, as a `@koa/router` router to mount behind your own admin
 * auth (the gateway mounts it at `/admin`):
 * - `GET /logs?key&from&to&model&provider&status&limit&cursor`: newest first, `next_cursor` to page;
 * - `GET /logs/:id`: one request in detail (attempts, cost breakdown, captured bodies);
 * - `GET /usage?group_by=key|model|provider&window=24h|7d|30d` (or `from`/`to`): requests, tokens, spend;
 * - `GET /providers/performance`: average and p95 latency, success rate, in-flight attempts.
 *
 * @example
 * app.use(mount('/admin', usageAdminRouter({ store, performance }).routes()));
 */
export function usageAdminRouter(options: UsageAdminOptions): Router {
  const store = options?.store;
  if (!store || !isQueryable(store)) throw new TypeError('usageAdminRouter: `store` must be a queryable request log store (SQLite or PostgreSQL)');
  const now = options.now ?? Date.now;
  const maxLimit = options.maxLimit ?? 500;
  const router = new Router({ ...ADMIN_ROUTER_OPTIONS });

  router.get('/logs', async function listLogs(ctx) {
    await answer(ctx, async () => {
      const page = await store.list(parseLogQuery(ctx.query, maxLimit));
      return { object: 'list', data: page.records, next_cursor: page.nextCursor ?? null };
    });
  });

  router.get('/logs/:id', async function getLog(ctx) {
    await answer(ctx, async () => {
      const record = await store.get(ctx.params.id!);
      if (!record) throw Object.assign(new AdminQueryError(`No request log with id ${ctx.params.id}`), { status: 404 });
      return record;
    });
  });

  router.get('/usage', async function usage(ctx) {
    await answer(ctx, async () => {
      const groupBy = parseGroupBy(ctx.query);
      const { from, to } = parseRange(ctx.query, now());
      const data = await store.aggregate(groupBy, from, to);
      const totals = data.reduce(
        (t, g) => ({
          requests: t.requests + g.requests,
          inputTokens: t.inputTokens + g.inputTokens,
          cacheReadTokens: t.cacheReadTokens + g.cacheReadTokens,
          cacheWriteTokens: t.cacheWriteTokens + g.cacheWriteTokens,
          cacheWrite1hTokens: t.cacheWrite1hTokens + g.cacheWrite1hTokens,
          outputTokens: t.outputTokens + g.outputTokens,
          spendUsd: Math.round((t.spendUsd + g.spendUsd) * 1e12) / 1e12,
          unpricedRequests: t.unpricedRequests + g.unpricedRequests,
        }),
        { requests: 0, inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, outputTokens: 0, spendUsd: 0, unpricedRequests: 0 },
      );
      return { group_by: groupBy, from: new Date(from).toISOString(), to: new Date(to).toISOString(), data, totals };
    });
  });

  router.get('/providers/performance', async function providerPerformance(ctx) {
    await answer(ctx, async () => {
      if (!options.performance) throw Object.assign(new AdminQueryError('Provider performance is not tracked'), { status: 404 });
      return { object: 'list', data: options.performance.snapshot() };
    });
  });

  return router;
}

async function answer(ctx: Context, fn: () => Promise<unknown>): Promise<void> {
  try {
    ctx.body = await fn();
  } catch (err) {
    if (!(err instanceof AdminQueryError)) throw err;
    ctx.status = err.status;
    ctx.body = { error: { message: err.message, type: err.status === 404 ? 'not_found_error' : 'invalid_request_error' } };
  }
}
