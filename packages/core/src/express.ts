import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Exchange, ExchangeResponse } from './exchange.js';
import { createExchange, errorResponse, resolveFormat, responseHeaders, sseFrames, type ExchangeMiddleware, type ExchangeOptions } from './respond.js';

/**
 * The exchange of an Express request, if a Switchyard middleware created one (`res.locals.switchyard`).
 * @example const ex = expressExchange(res); ex?.principal?.name
 */
export function expressExchange(res: Response): Exchange | undefined {
  return res.locals.switchyard as Exchange | undefined;
}

/**
 * Turn a neutral {@link ExchangeMiddleware} into Express middleware. Express does not await
 * the rest of the chain, so pieces that act after the response use `exchange.onSettled`.
 *
 * @example
 * app.use('/ai', toExpress(async function audit(exchange, next) { await next(); }));
 */
export function toExpress(middleware: ExchangeMiddleware, options: ExchangeOptions = {}): RequestHandler {
  const adapted = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    let exchange = expressExchange(res);
    let passed = false;
    try {
      if (!exchange) {
        const format = resolveFormat(options, req.path);
        exchange = await createExchange(req, res, {
          path: req.originalUrl.split('?')[0] ?? req.path,
          format,
          parsedBody: req.body,
          bodyLimit: options.bodyLimit,
          now: options.now,
        });
        res.locals.switchyard = exchange;
        options.onExchange?.(exchange);
      }
      await middleware(exchange, async () => {
        passed = true;
        next();
      });
    } catch (err) {
      if (passed) return void next(err); // thrown by a later, non-Switchyard handler
      if (exchange) exchange.error = err;
      const format = exchange?.format ?? safeFormat(options, req.path);
      writeNodeResponse(res, exchange, errorResponse(format, err));
      return;
    }
    if (!passed && exchange.response && !res.headersSent) writeNodeResponse(res, exchange, exchange.response);
  };
  Object.defineProperty(adapted, 'name', { value: middleware.name || 'switchyard' });
  return adapted as RequestHandler;
}

function safeFormat(options: ExchangeOptions, path: string) {
  try {
    return resolveFormat(options, path);
  } catch {
    return 'openai.chat' as const;
  }
}

/**
 * Write an exchange response to a plain node `ServerResponse` (Express, node:http, fastify's raw reply).
 */
export function writeNodeResponse(res: ServerResponse, exchange: Exchange | undefined, response: ExchangeResponse): void {
  if (res.headersSent) return;
  res.statusCode = response.status;
  const headers = exchange ? responseHeaders(exchange, response) : response.headers;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (response.kind === 'json') {
    res.setHeader('content-length', Buffer.byteLength(response.body));
    res.end(response.body);
    return;
  }
  res.socket?.setNoDelay(true);
  pipeline(Readable.from(sseFrames(exchange!, response), { objectMode: false }), res).catch(() => {
    // The client went away mid-stream; settlement already recorded it.
  });
}
