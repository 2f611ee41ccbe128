import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { McpAdminRoute } from './admin-routes.js';
import { profileOfPath, type McpMountOptions } from './koa.js';
import type { McpProfiles } from './mcp.js';

export type { McpMountOptions };

/**
 * Express middleware serving every profile at `<prefix>/<profile>`; other paths fall through.
 * A body parsed by `express.json()` is used when present.
 * @example app.use(mcpExpress(mcp));
 */
export function mcpExpress(mcp: McpProfiles, options: McpMountOptions = {}): RequestHandler {
  const prefix = options.prefix ?? '/mcp';
  return function mcpProfiles(req: Request, res: Response, next: NextFunction) {
    const profile = profileOfPath(req.path, prefix);
    if (profile === undefined) return next();
    mcp.handle(req, res, profile, req.body).catch(next);
  };
}

/**
 * Register the neutral admin routes on an Express router (behind whatever protects it).
 * @example mountMcpAdminRoutes(adminRouter, mcpAdminRoutes(mcp));
 */
export function mountMcpAdminRoutes(router: Router, routes: McpAdminRoute[]): void {
  for (const route of routes) {
    const register = route.method === 'GET' ? router.get.bind(router) : router.post.bind(router);
    register(route.path, (req: Request, res: Response, next: NextFunction) => {
      route.handler({ params: req.params as Record<string, string> }).then(({ status, body }) => res.status(status).json(body), next);
    });
  }
}
