import type { NextFunction, Request, RequestHandler, Response } from 'express';
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
