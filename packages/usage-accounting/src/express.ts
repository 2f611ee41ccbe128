import type { RequestHandler } from 'express';
import { toExpress } from '@switchyard/core/express';
import type { ExchangeOptions } from '@switchyard/core';
import type { Registry } from 'prom-client';
import { usageAccounting as neutral, type UsageAccounting } from './middleware.js';
import { renderMetrics } from './metrics.js';
import type { UsageAccountingOptions } from './options.js';

/**
 * Usage accounting as Express middleware, plus its lifecycle (`close()` on shutdown) and
 * per-key totals. Express does not await the rest of the chain, so compose it with the
 * executor in one neutral pipeline for the cost header and stream usage (see the README).
 * @example const accounting = usageAccounting({ store }); app.use('/v1', accounting.middleware);
 */
export function usageAccounting(options: UsageAccountingOptions = {}, exchangeOptions?: ExchangeOptions): UsageAccounting & { middleware: RequestHandler } {
  const core = neutral(options);
  return Object.assign(core, { middleware: toExpress(core, exchangeOptions) });
}

/**
 * Express handler that serves a Prometheus scrape of a registry.
 * @example app.get('/metrics', expressMetrics(registry));
 */
export function expressMetrics(registry: Registry): RequestHandler {
  return async function expressMetrics(_req, res, next) {
    try {
      const { contentType, body } = await renderMetrics(registry);
      res.setHeader('content-type', contentType);
      res.end(body);
    } catch (err) {
      next(err);
    }
  };
}
