import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Context, Next } from 'koa';
import { GatewayError, isUnderPath, renderOpenAIError, type Route, type RouteResult, type RoutingConfig } from '@switchyard/core';
import { keysAdminRoutes } from '@switchyard/auth-key/admin';
import { limitsAdminRoutes } from '@switchyard/rate-limit/admin';
import { catalogAdminRoutes } from '@switchyard/model-mapping/admin';
import { routingAdminRoutes } from '@switchyard/strategy-selector/admin';
import { providersAdminRoutes } from '@switchyard/failover/admin';
import { usageAdminRoutes } from '@switchyard/usage-accounting/admin';
import type { KoaMiddleware } from './framework-types.js';
import type { Stack } from './stack.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** What {@link bearerToken} answers a request without the right token with. */
interface BearerTokenOptions {
  /** The `WWW-Authenticate` realm. */
  realm: string;
  /** The error `code` of the 401 body. */
  code: string;
  /** A second header that may carry the token (besides `Authorization: Bearer`). Defaults to none. */
  header?: string;
}

/**
 * A framework-neutral check answering 401 unless the request headers present `token`, compared
 * in constant time; undefined when the token is right.
 */
export function bearerCheck(token: string, options: BearerTokenOptions): (headers: IncomingHttpHeaders) => RouteResult | undefined {
  if (!token) throw new TypeError(`${options.realm}: a non-empty token is required`);
  const expected = digest(token);
  const denied: RouteResult = {
    status: 401,
    headers: { 'www-authenticate': `Bearer realm="${options.realm}"` },
    body: renderOpenAIError(new GatewayError('A valid token is required', { status: 401, code: options.code })),
  };
  const header = (headers: IncomingHttpHeaders, name: string) => {
    const value = headers[name];
    return (Array.isArray(value) ? value[0] : value) ?? '';
  };
  return function bearerCheck(headers) {
    const authorization = header(headers, 'authorization');
    const presented = authorization.toLowerCase().startsWith('bearer ') ? authorization.slice(7).trim() : options.header ? header(headers, options.header) : '';
    return presented && timingSafeEqual(digest(presented), expected) ? undefined : denied;
  };
}

/** Koa middleware answering 401 unless the request presents `token`, compared in constant time. */
export function bearerToken(token: string, options: BearerTokenOptions): KoaMiddleware {
  const check = bearerCheck(token, options);
  const middleware = async function bearerToken(ctx: Context, next: Next) {
    const denied = check(ctx.headers);
    if (denied) {
      ctx.status = denied.status;
      ctx.set(denied.headers!);
      ctx.body = (denied as { body: unknown }).body;
      return;
    }
    await next();
  };
  // Koa calls it with its own context.
  return middleware as KoaMiddleware;
}

const ADMIN_TOKEN: BearerTokenOptions = { realm: 'switchyard-admin', code: 'invalid_admin_token', header: 'x-admin-token' };

/**
 * Koa middleware requiring `Authorization: Bearer <token>` (or `x-admin-token`), compared in constant time.
 * @example admin.use(adminToken(process.env.SWITCHYARD_ADMIN_TOKEN!))
 */
export function adminToken(token: string): KoaMiddleware {
  return bearerToken(token, ADMIN_TOKEN);
}

/**
 * The framework-neutral form of {@link adminToken}: the 401 answer, or undefined when the
 * request headers present the admin token.
 * @example const denied = adminCheck(token)(req.headers);
 */
export function adminCheck(token: string) {
  return bearerCheck(token, ADMIN_TOKEN);
}

/**
 * Require the admin token for every path under `prefix`, however it is spelled (letter case,
 * percent-encoding, repeated or trailing slashes; see `isUnderPath`): put it in front of
 * everything an admin router serves, so no spelling a router might accept reaches a route
 * unauthenticated, and every spelling gets the same 401.
 *
 * @example app.use(adminGuard('/admin', token)).use(koaRoutes(adminRoutes(stack, { token }), { prefix: '/admin' }));
 */
export function adminGuard(prefix: string, token: string): KoaMiddleware {
  const check = adminToken(token);
  const guard = async function adminGuard(ctx: Context, next: Next) {
    await (isUnderPath(ctx.path, prefix) ? check(ctx, next) : next());
  };
  // Koa calls it with its own context.
  return guard as KoaMiddleware;
}

/** `routes` with `before` run ahead of each handler; an answer from `before` is the response. */
function before(
  routes: readonly Route[],
  check: (request: Parameters<Route['handler']>[0]) => RouteResult | undefined | Promise<RouteResult | undefined>,
): Route[] {
  return routes.map((route) => ({
    ...route,
    async handler(request) {
      return (await check(request)) ?? route.handler(request);
    },
  }));
}

/** Options of {@link adminRoutes}. */
export interface AdminRoutesOptions {
  /**
   * Admin token every route checks itself, ahead of its handler (`Authorization: Bearer` or
   * `x-admin-token`). Defaults to none: mount the table behind your own protection.
   */
  token?: string;
  /** More routes (MCP profiles) behind the same token. Defaults to none. */
  routes?: readonly Route[];
}

/**
 * The whole admin API as one framework-neutral route table: keys, limits, routing, catalog,
 * cost analysis, providers (health, stats, status events), request logs and usage. Mount it
 * with `koaRoutes` (`@switchyard/core/koa`) or `expressRoutes` (`@switchyard/core/express`).
 * Routes match case-sensitively and without an optional trailing slash.
 *
 * @example app.use('/admin', expressRoutes(adminRoutes(gateway.switchyard.stack, { token })));
 */
export function adminRoutes(stack: Stack, options: AdminRoutesOptions = {}): Route[] {
  const { keys, limiter, catalog, mapper, health, executor, accounting, logStore, performance } = stack;
  const usageTotals = accounting ? async (ids: string[]) => Object.fromEntries(await accounting.usageTotals(ids)) : undefined;
  const updatePolicy = async (id: string, change: (policy: NonNullable<Awaited<ReturnType<typeof keys.get>>>['policy']) => void) => {
    const record = await keys.get(id);
    if (!record) return false;
    const policy = structuredClone(record.policy);
    change(policy);
    return (await keys.update(id, { policy })) !== undefined;
  };
  // What routing honours: this instance's breakers, and openings other instances shared.
  const breakers = (provider: string) => {
    const targets = new Map(catalog.list({ provider }).map((m) => [m.model, { provider, model: m.model }]));
    for (const b of executor.breakerStates()) if (b.provider === provider) targets.set(b.model, { provider, model: b.model });
    return Promise.all([...targets.values()].map((t) => executor.routingState(t)));
  };
  const routes: Route[] = [
    ...keysAdminRoutes({ keys, usageTotals }),
    ...limitsAdminRoutes({
      getLimits: async (id) => {
        const record = await keys.get(id);
        return record ? (record.policy.limits ?? {}) : undefined;
      },
      setLimits: (id, limits) => updatePolicy(id, (p) => void (p.limits = limits)),
      usage: (id) => limiter.usage(`k:${id}`),
    }),
    ...routingAdminRoutes({
      getRouting: async (id) => {
        const record = await keys.get(id);
        return record ? (record.policy.routing ?? null) : undefined;
      },
      setRouting: (id, routing: RoutingConfig) => updatePolicy(id, (p) => void (p.routing = routing)),
      hasKey: async (id) => (await keys.get(id)) !== undefined,
    }),
    ...catalogAdminRoutes({
      catalog,
      mapper,
      isAvailable: async (provider, model) => (await executor.routingState({ provider, model })).state !== 'open',
    }),
    ...providersAdminRoutes({ health, breakerStates: breakers }),
  ];
  if (logStore) {
    // Reads see every finished request: write the pending batch first (cheap when empty).
    routes.push(...before(usageAdminRoutes({ store: logStore, performance }), async () => void (await accounting?.flush())));
  }
  routes.push(...(options.routes ?? []));
  if (!options.token) return routes;
  const check = adminCheck(options.token);
  return before(routes, (request) => check(request.headers));
}
