import type { Middleware } from 'koa';
import { toKoa } from '@switchyard/core/koa';
import type { ExchangeOptions } from '@switchyard/core';
import { strategySelector, type StrategySelectorOptions } from './strategy-selector.js';

/**
 * {@link strategySelector} as Koa middleware.
 * @example app.use(koaStrategySelector({ routing: cfg.ai_gateway.routing, catalog, stats }));
 */
export function koaStrategySelector(options: StrategySelectorOptions = {}, exchangeOptions?: ExchangeOptions): Middleware {
  return toKoa(strategySelector(options), exchangeOptions);
}
