import type { RequestHandler } from 'express';
import { toExpress } from '@switchyard/core/express';
import type { ExchangeOptions } from '@switchyard/core';
import { modelMapping, type ModelMappingOptions } from './model-mapping.js';

/**
 * {@link modelMapping} as Express middleware.
 * @example app.use('/v1', expressModelMapping({ config: cfg.ai_gateway }));
 */
export function expressModelMapping(options: ModelMappingOptions = {}, exchangeOptions?: ExchangeOptions): RequestHandler {
  return toExpress(modelMapping(options), exchangeOptions);
}
