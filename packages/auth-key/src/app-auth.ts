import type { Exchange, Principal } from '@switchyard/core';
import { enforceModelPolicy } from './api-key-auth.js';
import { unauthorized } from './errors.js';

/** What a resolver returns: a principal (kind defaults to `app`), or nothing for "not signed in". */
export type PrincipalInput = Omit<Principal, 'kind'> & { kind?: Principal['kind'] };

/**
 * Builds the principal from what the app's own auth established. `frameworkCtx` is the Koa
 * `ctx` (read `ctx.state.user`) or the Express `req` (read `req.user`); the neutral middleware
 * passes undefined. Returning null/undefined answers 401.
 */
export type PrincipalResolver<C = unknown> = (
  exchange: Exchange,
  frameworkCtx: C,
) => PrincipalInput | null | undefined | Promise<PrincipalInput | null | undefined>;

/** Options of {@link appAuth}. */
export interface AppAuthOptions<C = unknown> {
  /** Build the principal from the app's own auth. Required. */
  resolve: PrincipalResolver<C>;
}

/**
 * Validate an {@link AppAuthOptions} eagerly.
 * @internal
 */
export function resolveAppAuthOptions<C>(options: AppAuthOptions<C>): AppAuthOptions<C> {
  if (!options || typeof options.resolve !== 'function') throw new TypeError('appAuth: options.resolve must be a function');
  return options;
}

/**
 * The neutral core of `appAuth`: resolve the principal through the app's resolver, check it,
 * write `exchange.principal`, enforce the model allow-list.
 */
export async function admitAppPrincipal<C>(options: AppAuthOptions<C>, exchange: Exchange, frameworkCtx: C): Promise<void> {
  const input = await options.resolve(exchange, frameworkCtx);
  if (!input) throw unauthorized();
  if (typeof input.id !== 'string' || input.id === '') throw new TypeError('appAuth: the resolver returned a principal without an id');
  const principal: Principal = { ...input, name: typeof input.name === 'string' ? input.name : input.id, kind: input.kind ?? 'app' };
  exchange.principal = principal;
  enforceModelPolicy(exchange, principal);
}

/**
 * Framework-neutral middleware that reuses the app's own auth instead of Switchyard keys.
 * The Koa and Express versions (`@switchyard/auth-key/koa`, `/express`) pass `ctx` / `req`
 * to the resolver; this one passes undefined, so resolve from the exchange (headers, a JWT).
 *
 * @example
 * appAuth({ resolve: (exchange) => verifyJwt(exchange.headers.authorization) })
 */
export function appAuth(options: AppAuthOptions<undefined>) {
  const resolved = resolveAppAuthOptions(options);
  return async function appAuth(exchange: Exchange, next: () => Promise<void>): Promise<void> {
    await admitAppPrincipal(resolved, exchange, undefined);
    await next();
  };
}
