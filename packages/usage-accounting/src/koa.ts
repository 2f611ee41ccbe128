import type { Middleware } from 'koa';
import { toKoa } from '@switchyard/core/koa';
import type { ExchangeOptions } from '@switchyard/core';
import type { Registry } from 'prom-client';
import { usageAccounting as neutral, type UsageAccounting } from './middleware.js';
import { renderMetrics } from './metrics.js';
import type { UsageAccountingOptions } from './options.js';

/**
 * Usage accounting as Koa middleware, plus its lifecycle (`close()` on shutdown) and
 * per-key totals. Mount it before the executor; for the cost header and stream usage, compose
 * it with the executor in one neutral pipeline (see the README).
 * @example const accounting = usageAccounting({ store }); app.use(accounting.middleware);
 */
export function usageAccounting(options: UsageAccountingOptions = {}, exchangeOptions?: ExchangeOptions): UsageAccounting & { middleware: Middleware } {
  const core = neutral(options);
  return Object.assign(core, { middleware: toKoa(core, exchangeOptions) });
}

/**
 * Koa middleware that serves a Prometheus scrape of a registry.
 * @example router.get('/metrics', koaMetrics(registry));
 */
export function koaMetrics(registry: Registry): Middleware {
  return async function koaMetrics(ctx) {
    const { contentType, body } = await renderMetrics(registry);
    ctx.type = contentType;
    ctx.body = body;
  };
}
