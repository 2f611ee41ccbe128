import type { RequestHandler } from 'express';
import { toExpress } from '@switchyard/core/express';
import type { ExchangeOptions } from '@switchyard/core';
import { strategySelector, type StrategySelectorOptions } from './strategy-selector.js';

/**
 * {@link strategySelector} as Express middleware.
 * @example app.use('/v1', expressStrategySelector({ routing: cfg.ai_gateway.routing, catalog, stats }));
 */
export function expressStrategySelector(options: StrategySelectorOptions = {}, exchangeOptions?: ExchangeOptions): RequestHandler {
  return toExpress(strategySelector(options), exchangeOptions);
}
