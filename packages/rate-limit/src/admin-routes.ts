import type { KeyLimits, Route, RouteResult } from '@switchyard/core';
import { validateKeyLimits } from './limits.js';
import type { WindowUsage } from './rate-limiter.js';

/** Options of {@link limitsAdminRoutes}. */
export interface LimitsAdminOptions {
  /** The key's configured limits, or undefined when the key does not exist (404). Required. */
  getLimits: (keyId: string) => KeyLimits | undefined | Promise<KeyLimits | undefined>;
  /** Store new limits for a key; return false when the key does not exist (404). Required. */
  setLimits: (keyId: string, limits: KeyLimits) => boolean | void | Promise<boolean | void>;
  /** Current consumption in the windows, usually `(id) => limiter.usage('k:' + id)`. Required. */
  usage: (keyId: string) => WindowUsage | Promise<WindowUsage>;
  /** Largest PUT body accepted, in bytes. Defaults to 16384. */
  bodyLimit?: number;
}

/**
 * A framework-neutral route table to read and set per-key limits (the total / input / output
 * token sliders, plus request rate and concurrency). Mount it behind admin auth with `koaRoutes`
 * (`@switchyard/core/koa`) or `expressRoutes` (`@switchyard/core/express`):
 *
 * - `GET /keys/:id/limits` → `{ id, limits, usage }` (usage in the current windows)
 * - `PUT /keys/:id/limits` with a KeyLimits body (null or absent disables a limit) →
 *   the same shape; 400 naming the field on bad input.
 *
 * @example
 * const routes = limitsAdminRoutes({ getLimits: (id) => keys.get(id)?.limits, setLimits: (id, l) => keys.update(id, { limits: l }),
 *   usage: (id) => limiter.usage(`k:${id}`) });
 * app.use('/admin', requireAdmin, expressRoutes(routes));
 */
export function limitsAdminRoutes(options: LimitsAdminOptions): Route[] {
  for (const k of ['getLimits', 'setLimits', 'usage'] as const) {
    if (typeof options?.[k] !== 'function') throw new TypeError(`limitsAdminRoutes: options.${k} must be a function`);
  }
  const bodyLimit = options.bodyLimit ?? 16_384;
  return [
    {
      method: 'GET',
      path: '/keys/:id/limits',
      async handler({ params }) {
        const id = params.id!;
        const limits = await options.getLimits(id);
        if (!limits) return notFound(id);
        return { status: 200, body: { id, limits, usage: await options.usage(id) } };
      },
    },
    {
      method: 'PUT',
      path: '/keys/:id/limits',
      async handler(request) {
        const id = request.params.id!;
        let body: unknown;
        try {
          body = await request.json(bodyLimit);
        } catch (err) {
          return problem((err as Error).message, null);
        }
        const checked = validateKeyLimits(body);
        if (checked.problem) return problem(checked.problem.message, checked.problem.field || null);
        if ((await options.setLimits(id, checked.limits)) === false) return notFound(id);
        return { status: 200, body: { id, limits: checked.limits, usage: await options.usage(id) } };
      },
    },
  ];
}

function problem(message: string, field: string | null): RouteResult {
  return { status: 400, body: { error: { message, field } } };
}

function notFound(id: string): RouteResult {
  return { status: 404, body: { error: { message: `No key ${JSON.stringify(id)}`, field: null } } };
}
