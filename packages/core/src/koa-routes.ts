import type { Context, Middleware, Next } from 'koa';
import { answerRoute, matchRoute, type Route } from './route-table.js';

/**
 * Mount a framework-neutral route table in Koa. Requests that match no route fall through to `next`.
 * @example app.use(koaRoutes(providerStatusRoutes({ health, access })));
 */
export function koaRoutes(routes: readonly Route[], options: { prefix?: string } = {}): Middleware {
  const prefix = options.prefix ?? '';
  return async function switchyardRoutes(ctx: Context, next: Next): Promise<void> {
    if (prefix && !ctx.path.startsWith(prefix)) return next();
    const path = ctx.path.slice(prefix.length);
    const match = matchRoute(routes, ctx.method, path);
    if (!match) return next();
    const result = await answerRoute({
      ...match,
      path,
      search: ctx.querystring,
      req: ctx.req,
      parsedBody: (ctx.request as { body?: unknown }).body,
      context: ctx,
    });
    ctx.status = result.status;
    if (result.headers) ctx.set(result.headers);
    if ('stream' in result) {
      ctx.req.socket.setTimeout(0);
      ctx.req.socket.setNoDelay(true);
      ctx.body = result.stream;
      // Koa destroys a body stream only on errors; stop the feed when the client leaves.
      ctx.res.once('close', () => result.stream.destroy());
    } else {
      ctx.body = result.body;
    }
  };
}
