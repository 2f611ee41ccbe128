import { Router } from '@koa/router';
import type { Context } from 'koa';
import { ADMIN_ROUTER_OPTIONS, GatewayError, isGatewayError, renderOpenAIError, toGatewayError, type RoutingConfig, type Target } from '@switchyard/core';
import { readJsonBody } from '@switchyard/model-mapping';
import { validateRoutingSettings } from './routing-settings.js';

/** Options of {@link routingAdminRouter}. */
export interface RoutingAdminOptions {
  /** A key's routing configuration; undefined for an unknown key (404) or a key without one (null is returned). Required. */
  getRouting: (keyId: string) => Promise<RoutingConfig | null | undefined> | RoutingConfig | null | undefined;
  /** Store a key's routing configuration; return false for an unknown key (404). Required. */
  setRouting: (keyId: string, config: RoutingConfig) => Promise<boolean | void> | boolean | void;
  /** Whether a key exists (so a key without routing answers 200 null rather than 404). Defaults to "getRouting returned non-undefined". */
  hasKey?: (keyId: string) => Promise<boolean> | boolean;
  /** Router prefix. Defaults to none. */
  prefix?: string;
}

/**
 * Validate a routing configuration body into a {@link RoutingConfig}; a TypeError's message names the bad field.
 * @example parseRoutingConfig({ active: true, strategy: 'cost', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] })
 */
export function parseRoutingConfig(body: Record<string, unknown>): RoutingConfig {
  if (typeof body.active !== 'boolean') throw new TypeError('active must be a boolean');
  if (body.strategy === undefined) throw new TypeError('strategy is required');
  validateRoutingSettings(body, 'routing');
  const out = { ...body } as RoutingConfig;
  if (Array.isArray(body.targets)) {
    out.targets = (body.targets as unknown[]).map((t) => (typeof t === 'string' ? { provider: t, model: '*' } : (t as Target)));
  }
  return out;
}

async function guard(ctx: Context, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const e = isGatewayError(err)
      ? err
      : err instanceof TypeError
        ? new GatewayError(err.message.replace(/^routing\./, ''), { status: 400, code: 'invalid_request', param: err.message.replace(/^routing\./, '').split(' ')[0] })
        : toGatewayError(err);
    ctx.status = e.status;
    ctx.body = renderOpenAIError(e);
  }
}

/**
 * Admin API of per-key routing, as a `@koa/router` router: `GET /keys/:id/routing` and
 * `PUT /keys/:id/routing` (`{ active, strategy, targets?, rules?, default?, max_cost_per_request?, latency? }`).
 * Storage is the caller's (auth-key's key store); bad input is a 400 naming the field.
 *
 * @example
 * routingAdminRouter({ getRouting: (id) => keys.getRouting(id), setRouting: (id, cfg) => keys.setRouting(id, cfg) })
 */
export function routingAdminRouter(options: RoutingAdminOptions): Router {
  if (typeof options?.getRouting !== 'function' || typeof options.setRouting !== 'function') {
    throw new TypeError('routingAdminRouter: getRouting and setRouting are required functions');
  }
  const router = new Router({ ...ADMIN_ROUTER_OPTIONS, ...(options.prefix ? { prefix: options.prefix } : {}) });
  const notFound = (id: string) => new GatewayError(`No key "${id}"`, { status: 404, code: 'key_not_found', param: 'id' });

  router.get('/keys/:id/routing', (ctx) =>
    guard(ctx, async () => {
      const id = ctx.params.id!;
      const routing = await options.getRouting(id);
      if (routing === undefined && !(await options.hasKey?.(id))) throw notFound(id);
      ctx.body = { key_id: id, routing: routing ?? null };
    }),
  );

  router.put('/keys/:id/routing', (ctx) =>
    guard(ctx, async () => {
      const id = ctx.params.id!;
      const config = parseRoutingConfig(await readJsonBody(ctx.req, (ctx.request as { body?: unknown }).body));
      if ((await options.setRouting(id, config)) === false) throw notFound(id);
      ctx.body = { key_id: id, routing: config };
    }),
  );

  return router;
}
