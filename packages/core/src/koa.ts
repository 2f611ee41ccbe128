import type { Context, Middleware, Next } from 'koa';
import type { Exchange, ExchangeResponse } from './exchange.js';
import { failureResponse, runAdapted, type AdaptedRequest } from './framework-adapter.js';
import { writeSseBody } from './sse-writer.js';
import { errorResponse, primeStream, responseHeaders, unanswered, type ExchangeMiddleware, type ExchangeOptions } from './respond.js';

/**
 * The exchange of a Koa request, if a Switchyard middleware created one (`ctx.state.switchyard`).
 * @example const ex = koaExchange(ctx); ex?.principal?.name
 */
export function koaExchange(ctx: Context): Exchange | undefined {
  return ctx.state.switchyard as Exchange | undefined;
}

/**
 * Turn a neutral {@link ExchangeMiddleware} into Koa middleware. The first Switchyard
 * middleware on a request creates the exchange; an answer (`exchange.response` or a thrown
 * GatewayError) is written in the client's format.
 *
 * @example
 * app.use(toKoa(async function audit(exchange, next) { await next(); }));
 */
export function toKoa(middleware: ExchangeMiddleware, options: ExchangeOptions = {}): Middleware {
  const adapted = async (ctx: Context, next: Next): Promise<void> => {
    const request: AdaptedRequest = {
      req: ctx.req,
      res: ctx.res,
      routePath: ctx.path,
      path: ctx.path,
      parsedBody: (ctx.request as { body?: unknown }).body,
      existing: koaExchange(ctx),
      keep: (created) => {
        ctx.state.switchyard = created;
      },
    };
    const run = await runAdapted(middleware, options, request, next);
    if (run.failed) {
      writeKoa(ctx, run.exchange, failureResponse(run, request, options));
      return;
    }
    const { exchange, passed } = run;
    if (exchange.locals.has(WRITTEN)) return;
    if (!exchange.response) {
      if (!passed) writeKoa(ctx, exchange, errorResponse(exchange.format, unanswered(middleware), exchange.id));
      return;
    }
    let response: ExchangeResponse = exchange.response;
    if (response.kind === 'stream') {
      exchange.locals.set(WRITTEN, true); // an outer adapter must not write it while we wait
      try {
        response = await primeStream(response);
      } catch (err) {
        exchange.error = err;
        response = errorResponse(exchange.format, err, exchange.id);
      }
    }
    writeKoa(ctx, exchange, response);
  };
  Object.defineProperty(adapted, 'name', { value: middleware.name || 'switchyard' });
  return adapted;
}

const WRITTEN = Symbol.for('switchyard.koa.written');

function writeKoa(ctx: Context, exchange: Exchange | undefined, response: ExchangeResponse): void {
  exchange?.locals.set(WRITTEN, true);
  ctx.status = response.status;
  if (!exchange) {
    setHeaders(ctx, response.headers);
    ctx.body = response.kind === 'json' ? response.body : '';
    return;
  }
  setHeaders(ctx, responseHeaders(exchange, response));
  if (response.kind === 'json') {
    ctx.body = response.body;
    return;
  }
  ctx.req.socket.setNoDelay(true);
  // Written straight to the socket, not as a body Koa pipes (its stream.pipeline costs an
  // AbortController and a DOMException per response). Started on the next tick, once the
  // outer middlewares have returned: headers they set after `next()` still go out.
  ctx.respond = false;
  process.nextTick(() => void writeSseBody(ctx.res, exchange, response));
}

/**
 * `ctx.set(headers)` for string values, without Koa 3's entry and pair arrays per header (a
 * response carries a dozen headers): the same `res.setHeader` calls, skipped once headers are sent.
 */
function setHeaders(ctx: Context, headers: Record<string, string>): void {
  if (ctx.headerSent) return;
  const res = ctx.res;
  for (const name in headers) res.setHeader(name, headers[name]!);
}

export { koaRoutes } from './koa-routes.js';
