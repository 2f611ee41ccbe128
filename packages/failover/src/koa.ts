import type { Middleware } from 'koa';
import { toKoa } from '@switchyard/core/koa';
import type { ExchangeOptions } from '@switchyard/core';
import { failover } from './failover.js';
import type { FailoverOptions } from './options.js';

/**
 * The failover executor as Koa middleware (terminal: it answers, never calls `next`).
 * @example app.use(failoverKoa({ adapters, transport }))
 */
export function failoverKoa(options: FailoverOptions, exchangeOptions?: ExchangeOptions): Middleware {
  return toKoa(failover(options), exchangeOptions);
}
