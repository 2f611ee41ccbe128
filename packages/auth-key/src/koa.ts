import type { Context, Middleware, Next } from 'koa';
import { toKoa } from '@switchyard/core/koa';
import type { ExchangeOptions } from '@switchyard/core';
import { apiKeyAuth as neutralApiKeyAuth, type ApiKeyAuthOptions } from './api-key-auth.js';
import { admitAppPrincipal, resolveAppAuthOptions, type AppAuthOptions } from './app-auth.js';

/**
 * Koa middleware admitting requests by Switchyard API key. See the neutral `apiKeyAuth`.
 * @example router.use('/ai', apiKeyAuth({ keys }));
 */
export function apiKeyAuth(options: ApiKeyAuthOptions, exchangeOptions?: ExchangeOptions): Middleware {
  return toKoa(neutralApiKeyAuth(options), exchangeOptions);
}

/**
 * Koa middleware reusing the app's own auth: the resolver receives the exchange and `ctx`.
 * @example app.use(appAuth({ resolve: (_ex, ctx) => ctx.state.user && { id: ctx.state.user.id, name: ctx.state.user.email } }));
 */
export function appAuth(options: AppAuthOptions<Context>, exchangeOptions?: ExchangeOptions): Middleware {
  const resolved = resolveAppAuthOptions(options);
  return async function appAuth(ctx: Context, next: Next): Promise<void> {
    const perRequest = toKoa(async function appAuth(exchange, nextPiece) {
      await admitAppPrincipal(resolved, exchange, ctx);
      await nextPiece();
    }, exchangeOptions);
    await perRequest(ctx, next);
  };
}
