import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Exchange, ExchangeResponse, StreamResponse } from './exchange.js';
import { failureResponse, runAdapted, type AdaptedRequest } from './framework-adapter.js';
import { writeSseBody } from './sse-writer.js';
import { errorResponse, primeStream, responseHeaders, unanswered, type ExchangeMiddleware, type ExchangeOptions } from './respond.js';

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
    const request: AdaptedRequest = {
      req,
      res,
      routePath: req.path,
      path: req.originalUrl.split('?')[0] ?? req.path,
      parsedBody: req.body,
      existing: expressExchange(res),
      keep: (created) => {
        res.locals.switchyard = created;
      },
    };
    const run = await runAdapted(middleware, options, request, async () => {
      next();
    });
    if (run.failed) {
      if (run.passed) return void next(run.error); // thrown by a later, non-Switchyard handler
      writeNodeResponse(res, run.exchange, failureResponse(run, request, options));
      return;
    }
    const { exchange, passed } = run;
    if (passed || res.headersSent) return;
    // Neither answered nor passed on: without this Express would leave the request hanging.
    writeNodeResponse(res, exchange, exchange.response ?? errorResponse(exchange.format, unanswered(middleware), exchange.id));
  };
  Object.defineProperty(adapted, 'name', { value: middleware.name || 'switchyard' });
  return adapted as RequestHandler;
}

/**
 * Write an exchange response to a plain node `ServerResponse` (Express, node:http, fastify's raw reply).
 * A stream is written once its first item is ready; a source failing before that is answered
 * as a JSON error in the client's format.
 * @example writeNodeResponse(res, exchange, exchange.response);
 */
export function writeNodeResponse(res: ServerResponse, exchange: Exchange | undefined, response: ExchangeResponse): void {
  if (res.headersSent || res.writableEnded) return;
  if (response.kind === 'stream') {
    if (!exchange) throw new TypeError('writeNodeResponse: a stream response needs its exchange');
    void writeNodeStream(res, exchange, response);
    return;
  }
  writeHead(res, exchange, response);
  res.setHeader('content-length', Buffer.byteLength(response.body));
  res.end(response.body);
}

async function writeNodeStream(res: ServerResponse, exchange: Exchange, response: StreamResponse): Promise<void> {
  let ready: StreamResponse;
  try {
    ready = await primeStream(response);
  } catch (err) {
    exchange.error = err;
    writeNodeResponse(res, exchange, errorResponse(exchange.format, err, exchange.id));
    return;
  }
  if (res.headersSent || res.writableEnded) {
    await ready.events[Symbol.asyncIterator]().return?.();
    return;
  }
  writeHead(res, exchange, ready);
  res.socket?.setNoDelay(true);
  await writeSseBody(res, exchange, ready);
}

function writeHead(res: ServerResponse, exchange: Exchange | undefined, response: ExchangeResponse): void {
  res.statusCode = response.status;
  const headers = exchange ? responseHeaders(exchange, response) : response.headers;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}
export { expressRoutes } from './express-routes.js';
