import type { RequestHandler } from 'express';
import { expressRoutes, toExpress } from '@switchyard/core/express';
import { providerStatusRoutes } from './provider-status-routes.js';
import type { ProviderStatusOptions } from './provider-status.js';
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

/**
 * The client-facing provider status routes ({@link providerStatusRoutes}) as Express middleware.
 * @example app.use(expressProviderStatus({ health, figures, access }));
 */
export function expressProviderStatus(options: ProviderStatusOptions): RequestHandler {
  return expressRoutes(providerStatusRoutes(options));
}
