import type { Context, Middleware, Next } from 'koa';
import { createConsole } from './console.js';
import type { ConsoleOptions } from './options.js';
import { readBody } from './read-body.js';

/** Options of {@link koaConsole}. */
export interface KoaConsoleOptions extends ConsoleOptions<Context> {
  /**
   * The admin API the UI talks to, as Koa middleware that serves `/keys`, `/logs`, … at its
   * root, e.g. the gateway's `koaRoutes(adminRoutes(stack))` without its token guard (the
   * console is the guard). Required.
   */
  admin: Middleware<any, any>;
  /** The public path the console lives under. Defaults to '/console'. */
  basePath?: string;
}

/**
 * The console as Koa middleware: requests under `basePath` are answered, others pass on.
 *
 * @example
 * const admin = koaRoutes(adminRoutes(gateway.switchyard.stack));
 * app.use(koaConsole({ adminToken: process.env.SWITCHYARD_ADMIN_TOKEN, admin }));
 */
export function koaConsole(options: KoaConsoleOptions): Middleware {
  if (typeof options?.admin !== 'function') throw new TypeError('koaConsole: options.admin must be Koa middleware serving the admin API');
  const base = (options.basePath ?? '/console').replace(/\/+$/, '');
  const core = createConsole<Context>(options);
  return async function switchyardConsole(ctx: Context, next: Next) {
    if (ctx.path !== base && !ctx.path.startsWith(`${base}/`)) return next();
    if (ctx.path === base) return ctx.redirect(`${base}/${ctx.querystring ? `?${ctx.querystring}` : ''}`);
    const result = await core.handle({
      method: ctx.method,
      url: ctx.url.slice(base.length),
      headers: ctx.headers,
      secure: ctx.secure,
      ip: ctx.ip,
      mountPath: base,
      readBody: (limit) => readBody(ctx.req, limit),
      raw: ctx,
    });
    if (result.kind === 'respond') {
      ctx.status = result.status;
      ctx.set(result.headers);
      ctx.body = result.body;
      return;
    }
    const url = ctx.url;
    ctx.state.consolePrincipal = result.principal;
    ctx.url = result.url;
    try {
      await options.admin(ctx, async () => {
        ctx.status = 404;
        ctx.body = { error: { message: 'No such admin route', type: 'invalid_request_error', code: 'unknown_route' } };
      });
    } finally {
      ctx.url = url;
    }
    ctx.set(result.headers);
  };
}
