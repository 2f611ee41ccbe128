import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createConsole } from './console.js';
import type { ConsoleOptions } from './options.js';
import { readBody } from './read-body.js';

/** Options of {@link expressConsole}. */
export interface ExpressConsoleOptions extends ConsoleOptions<Request> {
  /**
   * The admin API the UI talks to: a Node/Express handler serving `/keys`, `/logs`, … at its
   * root, e.g. `express().use(expressRoutes(adminRoutes(stack)))` (the gateway's admin route
   * table, without its token: the console is the guard) or a Koa app's callback. Required.
   */
  admin: (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => unknown;
}

/**
 * The console as an Express handler; mount it at a path: `app.use('/console', expressConsole(…))`.
 *
 * @example
 * const adminApp = express().use(expressRoutes(adminRoutes(stack)));
 * app.use('/console', expressConsole({ adminToken: process.env.SWITCHYARD_ADMIN_TOKEN, admin: adminApp }));
 */
export function expressConsole(options: ExpressConsoleOptions): RequestHandler {
  if (typeof options?.admin !== 'function') throw new TypeError('expressConsole: options.admin must be a handler serving the admin API');
  const core = createConsole<Request>(options);
  return function switchyardConsole(req: Request, res: Response, next: NextFunction) {
    const [pathname, query] = [req.originalUrl.split('?')[0]!, req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : ''];
    if (req.url.split('?')[0] === '/' && !pathname.endsWith('/')) return res.redirect(302, `${pathname}/${query}`);
    core
      .handle({
        method: req.method,
        url: req.url,
        headers: req.headers,
        secure: req.secure,
        ip: req.ip ?? req.socket.remoteAddress ?? '',
        mountPath: req.baseUrl,
        readBody: (limit) => readBody(req, limit),
        raw: req,
      })
      .then((result) => {
        if (result.kind === 'respond') {
          res.status(result.status).set(result.headers);
          res.end(req.method === 'HEAD' ? undefined : result.body);
          return;
        }
        res.set(result.headers);
        const url = req.url;
        req.url = result.url;
        options.admin(req, res, (err?: unknown) => {
          req.url = url;
          next(err);
        });
      })
      .catch(next);
  };
}
