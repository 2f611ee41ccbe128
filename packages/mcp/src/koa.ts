import type { Context, Middleware, Next } from 'koa';
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
