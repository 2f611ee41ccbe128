import type { Request, RequestHandler } from 'express';
import { toExpress } from '@switchyard/core/express';
import type { ExchangeOptions } from '@switchyard/core';
import { apiKeyAuth as neutralApiKeyAuth, type ApiKeyAuthOptions } from './api-key-auth.js';
import { admitAppPrincipal, resolveAppAuthOptions, type AppAuthOptions } from './app-auth.js';

/**
 * Express middleware admitting requests by Switchyard API key. See the neutral `apiKeyAuth`.
 * @example app.use('/ai', apiKeyAuth({ keys }));
 */
export function apiKeyAuth(options: ApiKeyAuthOptions, exchangeOptions?: ExchangeOptions): RequestHandler {
  return toExpress(neutralApiKeyAuth(options), exchangeOptions);
}

/**
 * Express middleware reusing the app's own auth: the resolver receives the exchange and `req`.
 * @example app.use('/ai', appAuth({ resolve: (_ex, req) => req.user && { id: req.user.id, name: req.user.email } }));
 */
export function appAuth(options: AppAuthOptions<Request>, exchangeOptions?: ExchangeOptions): RequestHandler {
  const resolved = resolveAppAuthOptions(options);
  return function appAuth(req, res, next) {
    const perRequest = toExpress(async function appAuth(exchange, nextPiece) {
      await admitAppPrincipal(resolved, exchange, req);
      await nextPiece();
    }, exchangeOptions);
    return perRequest(req, res, next);
  };
}
