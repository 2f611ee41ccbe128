import { GatewayError, type Route, type RoutingConfig, type Target } from '@switchyard/core';
import { validateRoutingSettings } from './routing-settings.js';

/** Options of {@link routingAdminRoutes}. */
export interface RoutingAdminOptions {
  /** A key's routing configuration; undefined for an unknown key (404) or a key without one (null is returned). Required. */
  getRouting: (keyId: string) => Promise<RoutingConfig | null | undefined> | RoutingConfig | null | undefined;
  /** Store a key's routing configuration; return false for an unknown key (404). Required. */
  setRouting: (keyId: string, config: RoutingConfig) => Promise<boolean | void> | boolean | void;
  /** Whether a key exists (so a key without routing answers 200 null rather than 404). Defaults to "getRouting returned non-undefined". */
  hasKey?: (keyId: string) => Promise<boolean> | boolean;
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

/** A routing validation error (a TypeError naming the field) as a 400 naming the field. */
async function fieldErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    const message = err.message.replace(/^routing\./, '');
    throw new GatewayError(message, { status: 400, code: 'invalid_request', param: message.split(' ')[0] });
  }
}

/**
 * Admin API of per-key routing, as a framework-neutral route table (mount it with `koaRoutes` or
 * `expressRoutes`): `GET /keys/:id/routing` and `PUT /keys/:id/routing`
 * (`{ active, strategy, targets?, rules?, default?, max_cost_per_request?, latency? }`).
 * Storage is the caller's (auth-key's key store); bad input is a 400 naming the field.
 *
 * @example
 * app.use(koaRoutes(routingAdminRoutes({ getRouting: (id) => keys.getRouting(id), setRouting: (id, cfg) => keys.setRouting(id, cfg) })));
 */
export function routingAdminRoutes(options: RoutingAdminOptions): Route[] {
  if (typeof options?.getRouting !== 'function' || typeof options.setRouting !== 'function') {
    throw new TypeError('routingAdminRoutes: getRouting and setRouting are required functions');
  }
  const notFound = (id: string) => new GatewayError(`No key "${id}"`, { status: 404, code: 'key_not_found', param: 'id' });
  return [
    {
      method: 'GET',
      path: '/keys/:id/routing',
      async handler({ params }) {
        const id = params.id!;
        const routing = await options.getRouting(id);
        if (routing === undefined && !(await options.hasKey?.(id))) throw notFound(id);
        return { status: 200, body: { key_id: id, routing: routing ?? null } };
      },
    },
    {
      method: 'PUT',
      path: '/keys/:id/routing',
      async handler(request) {
        const id = request.params.id!;
        const config = await fieldErrors(async () => parseRoutingConfig(await request.json()));
        if ((await options.setRouting(id, config)) === false) throw notFound(id);
        return { status: 200, body: { key_id: id, routing: config } };
      },
    },
  ];
}
