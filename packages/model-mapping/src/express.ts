import type { RequestHandler } from 'express';
import { expressRoutes, toExpress } from '@switchyard/core/express';
import { costRoutes, type CostRoutesOptions } from './cost-routes.js';
import type { ExchangeOptions } from '@switchyard/core';
import { modelMapping, type ModelMappingOptions } from './model-mapping.js';

/**
 * {@link modelMapping} as Express middleware.
 * @example app.use('/v1', expressModelMapping({ config: cfg.ai_gateway }));
 */
export function expressModelMapping(options: ModelMappingOptions = {}, exchangeOptions?: ExchangeOptions): RequestHandler {
  return toExpress(modelMapping(options), exchangeOptions);
}

/**
 * `POST /v1/costs/analyze` for key holders ({@link costRoutes}) as Express middleware.
 * @example app.use(expressCostRoutes({ catalog, mapper, access }));
 */
export function expressCostRoutes(options: CostRoutesOptions): RequestHandler {
  return expressRoutes(costRoutes(options));
}
