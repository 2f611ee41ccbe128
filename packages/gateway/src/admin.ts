import { createHash, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { GatewayError, renderOpenAIError, type RoutingConfig } from '@switchyard/core';
import { keysAdminRouter } from '@switchyard/auth-key/admin';
import { limitsAdminRouter } from '@switchyard/rate-limit/admin';
import { catalogAdminRouter } from '@switchyard/model-mapping/admin';
import { routingAdminRouter } from '@switchyard/strategy-selector/admin';
import { providersAdminRouter } from '@switchyard/failover/admin';
import { usageAdminRouter } from '@switchyard/usage-accounting/koa';
import type { Stack } from './stack.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Require `Authorization: Bearer <token>` (or `x-admin-token`), compared in constant time.
 * @example admin.use(adminToken(process.env.SWITCHYARD_ADMIN_TOKEN!))
 */
export function adminToken(token: string) {
  if (!token) throw new TypeError('adminToken: a non-empty token is required');
  const expected = digest(token);
  return async function adminToken(ctx: Context, next: Next) {
    const header = ctx.get('authorization');
    const presented = header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : ctx.get('x-admin-token');
    if (!presented || !timingSafeEqual(digest(presented), expected)) {
      ctx.status = 401;
      ctx.set('www-authenticate', 'Bearer realm="switchyard-admin"');
      ctx.body = renderOpenAIError(new GatewayError('A valid admin token is required', { status: 401, code: 'invalid_admin_token' }));
      return;
    }
    await next();
  };
}

/**
 * The admin API of DESIGN §4 as one @koa/router router: keys, limits, routing, catalog, cost
 * analysis, providers (health, stats, status events), request logs and usage. Mount it behind
 * your own protection, or let the gateway mount it at /admin behind its admin token.
 */
export function adminRouter(stack: Stack, options: { prefix?: string; token?: string } = {}): Router {
  const { keys, limiter, catalog, mapper, health, executor, accounting, logStore, performance } = stack;
  const router = new Router(options.prefix ? { prefix: options.prefix } : {});
  if (options.token) router.use(adminToken(options.token));
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
  const breakers = () => executor.breakerStates();
  mount(
    catalogAdminRouter({
      catalog,
      mapper,
      isAvailable: (provider, model) => !breakers().some((b) => b.provider === provider && b.model === model && b.state === 'open'),
    }),
  );
  mount(providersAdminRouter({ health, breakerStates: breakers }));
  if (logStore) {
    // Reads see every finished request: write the pending batch first (cheap when empty).
    router.use(['/logs', '/usage'], async function flushPendingLogs(_ctx, next) {
      await accounting?.flush();
      await next();
    });
    mount(usageAdminRouter({ store: logStore, performance }));
  }
  return router;
}
