import { pipeline } from 'node:stream/promises';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { answerRoute, matchRoute, type Route } from './route-table.js';

/**
 * Mount a framework-neutral route table in Express (paths are relative to where it is mounted).
 * Requests that match no route fall through to `next`.
 * @example app.use(expressRoutes(providerStatusRoutes({ health, access })));
 */
export function expressRoutes(routes: readonly Route[]): RequestHandler {
  return function switchyardRoutes(req: Request, res: Response, next: NextFunction): void {
    const match = matchRoute(routes, req.method, req.path);
    if (!match) return next();
    const search = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
    answerRoute({ ...match, path: req.path, search, req, parsedBody: req.body, context: req }).then((result) => {
      res.status(result.status);
      for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
      if ('stream' in result) {
        req.socket.setTimeout(0);
        req.socket.setNoDelay(true);
        res.flushHeaders();
        pipeline(result.stream, res).catch(() => {
          // the client went away; pipeline destroyed the feed
        });
      } else {
        res.json(result.body);
      }
    }, next);
  } as RequestHandler;
}
