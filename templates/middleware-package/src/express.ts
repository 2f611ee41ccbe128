import type { RequestHandler } from 'express';
import type { ExchangeOptions } from '@switchyard/core';
import { toExpress } from '@switchyard/core/express';
import { templateName as neutral, type TemplateNameOptions } from './NAME.js';

export type { TemplateNameOptions } from './NAME.js';

/**
 * Express middleware of {@link neutral | templateName}. `exchangeOptions` matter only when this
 * is the first Switchyard middleware on the route (it then creates the exchange).
 * @example app.use('/v1', templateName({ requireModel: true }));
 */
export function templateName(options: TemplateNameOptions = {}, exchangeOptions?: ExchangeOptions): RequestHandler {
  return toExpress(neutral(options), exchangeOptions);
}
