/**
 * The Koa and Express shapes the gateway's public types use, written against node's own types so
 * that an app compiles against them (also with `skipLibCheck: false`) without `@types/koa` or
 * `@types/express`. The real middlewares are Koa's and Express's: `app.use(...)` accepts them.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A Koa (2 or 3) middleware: `app.use(switchyard.koa())`. */
export type KoaMiddleware = (ctx: unknown, next: () => Promise<unknown>) => Promise<void>;

/** An Express (4 or 5) middleware: `app.use('/ai', switchyard.express())`. */
export type ExpressMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** What the standalone gateway shows of its Koa application. */
export interface KoaApp {
  /** The request listener, to serve the gateway from an HTTP server of your own. */
  callback(): (req: IncomingMessage, res: ServerResponse) => unknown;
}
