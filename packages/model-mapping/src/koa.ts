import type { Middleware } from 'koa';
import { toKoa } from '@switchyard/core/koa';
import type { ExchangeOptions } from '@switchyard/core';
import { modelMapping, type ModelMappingOptions } from './model-mapping.js';

/**
 * {@link modelMapping} as Koa middleware.
 * @example app.use(koaModelMapping({ config: cfg.ai_gateway }));
 */
export function koaModelMapping(options: ModelMappingOptions = {}, exchangeOptions?: ExchangeOptions): Middleware {
  return toKoa(modelMapping(options), exchangeOptions);
}
