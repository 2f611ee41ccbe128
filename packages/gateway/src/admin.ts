import { createHash, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import { ADMIN_ROUTER_OPTIONS, GatewayError, isUnderPath, renderOpenAIError, type RoutingConfig } from '@switchyard/core';
import { keysAdminRouter } from '@switchyard/auth-key/admin';
import { limitsAdminRouter } from '@switchyard/rate-limit/admin';
import { catalogAdminRouter } from '@switchyard/model-mapping/admin';
import { routingAdminRouter } from '@switchyard/strategy-selector/admin';
import { providersAdminRouter } from '@switchyard/failover/admin';
import { usageAdminRouter } from '@switchyard/usage-accounting/koa';
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

/** Middleware answering 401 unless the request presents `token`, compared in constant time. */
export function bearerToken(token: string, options: BearerTokenOptions) {
  if (!token) throw new TypeError(`${options.realm}: a non-empty token is required`);
  const expected = digest(token);
  const error = renderOpenAIError(new GatewayError('A valid token is required', { status: 401, code: options.code }));
  return async function bearerToken(ctx: Context, next: Next) {
    const header = ctx.get('authorization');
    const presented = header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : options.header ? ctx.get(options.header) : '';
    if (!presented || !timingSafeEqual(digest(presented), expected)) {
      ctx.status = 401;
      ctx.set('www-authenticate', `Bearer realm="${options.realm}"`);
      ctx.body = error;
      return;
    }
    await next();
  };
}

/**
 * Require `Authorization: Bearer <token>` (or `x-admin-token`), compared in constant time.
 * @example admin.use(adminToken(process.env.SWITCHYARD_ADMIN_TOKEN!))
 */
export function adminToken(token: string) {
  return bearerToken(token, { realm: 'switchyard-admin', code: 'invalid_admin_token', header: 'x-admin-token' });
}

/**
 * Require the admin token for every path under `prefix`, however it is spelled (letter case,
 * percent-encoding, repeated or trailing slashes; see `isUnderPath`): put it in front of
 * everything an admin router serves, so no spelling a router might accept reaches a route
 * unauthenticated, and every spelling gets the same 401.
 *
 * @example app.use(adminGuard('/admin', token)).use(adminRouter(stack, { prefix: '/admin', token }).routes());
 */
export function adminGuard(prefix: string, token: string) {
  const check = adminToken(token);
  return function adminGuard(ctx: Context, next: Next) {
    return isUnderPath(ctx.path, prefix) ? check(ctx, next) : next();
  };
}

/**
 * Run `middleware` first in every route (layers with methods) from `router.stack[from]` on,
 * including routes mounted from other routers: it runs exactly when a route serves the request.
 */
function prependToRoutes(router: Router, from: number, middleware: Middleware) {
  for (const layer of router.stack.slice(from)) if (layer.methods.length > 0) layer.stack.unshift(middleware);
}

/**
 * The admin API as one @koa/router router: keys, limits, routing, catalog, cost analysis,
 * providers (health, stats, status events), request logs and usage. Mount it behind your own
 * protection, or pass `token`: then every route checks it itself, ahead of its own handlers
 * (not a path-matched `router.use`, whose matching could differ from the routes'). Routes
 * match case-sensitively and without an optional trailing slash.
 */
export function adminRouter(stack: Stack, options: { prefix?: string; token?: string; routes?: (router: Router) => void } = {}): Router {
  const { keys, limiter, catalog, mapper, health, executor, accounting, logStore, performance } = stack;
  const router = new Router({ ...ADMIN_ROUTER_OPTIONS, ...(options.prefix ? { prefix: options.prefix } : {}) });
  const usageTotals = accounting
    ? async (ids: string[]) => Object.fromEntries(await accounting.usageTotals(ids))
    : undefined;
  const updatePolicy = async (id: string, change: (policy: NonNullable<Awaited<ReturnType<typeof keys.get>>>['policy']) => void) => {
    const record = await keys.get(id);
    if (!record) return false;
    const policy = structuredClone(record.policy);
    change(policy);
    return (await keys.update(id, { policy })) !== undefined;
  };
  const mount = (child: Router) => router.use(child.routes(), child.allowedMethods());
  mount(keysAdminRouter({ keys, usageTotals }));
  mount(
    limitsAdminRouter({
      getLimits: async (id) => {
        const record = await keys.get(id);
        return record ? (record.policy.limits ?? {}) : undefined;
      },
      setLimits: (id, limits) => updatePolicy(id, (p) => void (p.limits = limits)),
      usage: (id) => limiter.usage(`k:${id}`),
    }),
  );
  mount(
    routingAdminRouter({
      getRouting: async (id) => {
        const record = await keys.get(id);
        return record ? (record.policy.routing ?? null) : undefined;
      },
      setRouting: (id, routing: RoutingConfig) => updatePolicy(id, (p) => void (p.routing = routing)),
      hasKey: async (id) => (await keys.get(id)) !== undefined,
    }),
  );
  // What routing honours: this instance's breakers, and openings other instances shared.
  const breakers = (provider: string) => {
    const targets = new Map(catalog.list({ provider }).map((m) => [m.model, { provider, model: m.model }]));
    for (const b of executor.breakerStates()) if (b.provider === provider) targets.set(b.model, { provider, model: b.model });
    return Promise.all([...targets.values()].map((t) => executor.routingState(t)));
  };
  mount(
    catalogAdminRouter({
      catalog,
      mapper,
      isAvailable: async (provider, model) => (await executor.routingState({ provider, model })).state !== 'open',
    }),
  );
  mount(providersAdminRouter({ health, breakerStates: breakers }));
  if (logStore) {
    const from = router.stack.length;
    mount(usageAdminRouter({ store: logStore, performance }));
    // Reads see every finished request: write the pending batch first (cheap when empty).
    prependToRoutes(router, from, async function flushPendingLogs(_ctx, next) {
      await accounting?.flush();
      await next();
    });
  }
  options.routes?.(router); // more routes (MCP profiles), behind the same token
  if (options.token) prependToRoutes(router, 0, adminToken(options.token));
  return router;
}
