import type { Middleware } from 'koa';
import { koaRoutes, toKoa } from '@switchyard/core/koa';
import { providerStatusRoutes } from './provider-status-routes.js';
import type { ProviderStatusOptions } from './provider-status.js';
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

/**
 * The client-facing provider status routes ({@link providerStatusRoutes}) as Koa middleware.
 * @example app.use(koaProviderStatus({ health, figures, access }));
 */
export function koaProviderStatus(options: ProviderStatusOptions): Middleware {
  return koaRoutes(providerStatusRoutes(options));
}
