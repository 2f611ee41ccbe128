import type { RequestHandler } from 'express';
import { toExpress } from '@switchyard/core/express';
import type { ExchangeOptions } from '@switchyard/core';
import { failover } from './failover.js';
import type { FailoverOptions } from './options.js';

/**
 * The failover executor as Express middleware (terminal: it answers, never calls `next`).
 * @example app.post('/v1/chat/completions', failoverExpress({ adapters, transport }))
 */
export function failoverExpress(options: FailoverOptions, exchangeOptions?: ExchangeOptions): RequestHandler {
  return toExpress(failover(options), exchangeOptions);
}
