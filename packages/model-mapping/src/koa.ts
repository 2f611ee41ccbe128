import type { Middleware } from 'koa';
import { koaRoutes, toKoa } from '@switchyard/core/koa';
import { costRoutes, type CostRoutesOptions } from './cost-routes.js';
import type { ExchangeOptions } from '@switchyard/core';
import { modelMapping, type ModelMappingOptions } from './model-mapping.js';

/**
 * {@link modelMapping} as Koa middleware.
 * @example app.use(koaModelMapping({ config: cfg.ai_gateway }));
 */
export function koaModelMapping(options: ModelMappingOptions = {}, exchangeOptions?: ExchangeOptions): Middleware {
  return toKoa(modelMapping(options), exchangeOptions);
}

/**
 * `POST /v1/costs/analyze` for key holders ({@link costRoutes}) as Koa middleware.
 * @example app.use(koaCostRoutes({ catalog, mapper, access }));
 */
export function koaCostRoutes(options: CostRoutesOptions): Middleware {
  return koaRoutes(costRoutes(options));
}
