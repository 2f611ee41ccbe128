import type { Middleware } from 'koa';
import type { ExchangeOptions } from '@switchyard/core';
import { toKoa } from '@switchyard/core/koa';
import { templateName as neutral, type TemplateNameOptions } from './NAME.js';

export type { TemplateNameOptions } from './NAME.js';

/**
 * Koa middleware of {@link neutral | templateName}. `exchangeOptions` matter only when this is
 * the first Switchyard middleware on the route (it then creates the exchange).
 * @example app.use(templateName({ requireModel: true }));
 */
export function templateName(options: TemplateNameOptions = {}, exchangeOptions?: ExchangeOptions): Middleware {
  return toKoa(neutral(options), exchangeOptions);
}
