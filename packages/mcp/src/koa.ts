import type { Context, Middleware, Next } from 'koa';
import type { McpAdminRoute } from './admin-routes.js';
import type { McpProfiles } from './mcp.js';

/** Mount options of {@link mcpKoa} / `mcpExpress`. */
export interface McpMountOptions {
  /** Path prefix of the profiles (`<prefix>/<profile>`). Defaults to `/mcp`. */
  prefix?: string;
}

/** The profile a path names under `prefix`, or undefined. @internal */
export function profileOfPath(path: string, prefix: string): string | undefined {
  if (!path.startsWith(`${prefix}/`)) return undefined;
  const rest = path.slice(prefix.length + 1);
  return rest !== '' && !rest.includes('/') ? decodeURIComponent(rest) : undefined;
}

/**
 * Koa middleware serving every profile at `<prefix>/<profile>`; other paths fall through.
 * It answers on the raw response (MCP streams), so mount it before body parsers or not: a
 * parsed `ctx.request.body` is used when present.
 * @example app.use(mcpKoa(mcp));
 */
export function mcpKoa(mcp: McpProfiles, options: McpMountOptions = {}): Middleware {
  const prefix = options.prefix ?? '/mcp';
  return async function mcpProfiles(ctx: Context, next: Next) {
    const profile = profileOfPath(ctx.path, prefix);
    if (profile === undefined) return next();
    ctx.respond = false;
    await mcp.handle(ctx.req, ctx.res, profile, (ctx.request as { body?: unknown }).body);
  };
}

/** A router with Koa-style route registration (@koa/router). */
export interface KoaRouterLike {
  get(path: string, ...middleware: Middleware[]): unknown;
  post(path: string, ...middleware: Middleware[]): unknown;
}

/**
 * Register the neutral admin routes on a @koa/router router (behind whatever protects it).
 * @example mountMcpAdminRoutes(adminRouter, mcpAdminRoutes(mcp));
 */
export function mountMcpAdminRoutes(router: KoaRouterLike, routes: McpAdminRoute[]): void {
  for (const route of routes) {
    const register = route.method === 'GET' ? router.get.bind(router) : router.post.bind(router);
    register(route.path, async (ctx: Context) => {
      const { status, body } = await route.handler({ params: (ctx as Context & { params?: Record<string, string> }).params ?? {} });
      ctx.status = status;
      ctx.body = body;
    });
  }
}
