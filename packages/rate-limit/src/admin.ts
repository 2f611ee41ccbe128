import Router from '@koa/router';
import type { Context } from 'koa';
import { ADMIN_ROUTER_OPTIONS, type KeyLimits } from '@switchyard/core';
import { validateKeyLimits } from './limits.js';
import type { WindowUsage } from './rate-limiter.js';

/** Options of {@link limitsAdminRouter}. */
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
 * A `@koa/router` router to read and set per-key limits (the seed's total / input / output
 * token sliders, plus request rate and concurrency). Mount it behind admin auth:
 *
 * - `GET /keys/:id/limits` → `{ id, limits, usage }` (usage in the current windows)
 * - `PUT /keys/:id/limits` with a KeyLimits body (null or absent disables a limit) →
 *   the same shape; 400 naming the field on bad input.
 *
 * @example
 * const admin = limitsAdminRouter({ getLimits: (id) => keys.get(id)?.limits, setLimits: (id, l) => keys.update(id, { limits: l }),
 *   usage: (id) => limiter.usage(`k:${id}`) });
 * app.use(mount('/admin', admin.routes()));
 */
export function limitsAdminRouter(options: LimitsAdminOptions): Router {
  for (const k of ['getLimits', 'setLimits', 'usage'] as const) {
    if (typeof options?.[k] !== 'function') throw new TypeError(`limitsAdminRouter: options.${k} must be a function`);
  }
  const bodyLimit = options.bodyLimit ?? 16_384;
  const router = new Router({ ...ADMIN_ROUTER_OPTIONS });

  router.get('/keys/:id/limits', async function getKeyLimits(ctx) {
    const id = ctx.params.id!;
    const limits = await options.getLimits(id);
    if (!limits) return notFound(ctx, id);
    ctx.body = { id, limits, usage: await options.usage(id) };
  });

  router.put('/keys/:id/limits', async function putKeyLimits(ctx) {
    const id = ctx.params.id!;
    let body: unknown;
    try {
      body = await readJson(ctx, bodyLimit);
    } catch (err) {
      ctx.status = 400;
      ctx.body = { error: { message: (err as Error).message, field: null } };
      return;
    }
    const checked = validateKeyLimits(body);
    if (checked.problem) {
      ctx.status = 400;
      ctx.body = { error: { message: checked.problem.message, field: checked.problem.field || null } };
      return;
    }
    if ((await options.setLimits(id, checked.limits)) === false) return notFound(ctx, id);
    ctx.body = { id, limits: checked.limits, usage: await options.usage(id) };
  });

  return router;
}

function notFound(ctx: Context, id: string): void {
  ctx.status = 404;
  ctx.body = { error: { message: `No key ${JSON.stringify(id)}`, field: null } };
}

/** The JSON body: from a body parser when one ran, else read here. */
async function readJson(ctx: Context, limit: number): Promise<unknown> {
  const parsed = (ctx.request as { body?: unknown }).body;
  if (parsed !== undefined) return parsed;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`Body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  } catch {
    throw new Error('Body is not valid JSON');
  }
}
