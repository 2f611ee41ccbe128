import { Readable } from 'node:stream';
import type { Context, Middleware, Next } from 'koa';
import type { Exchange } from './exchange.js';
import { createExchange, errorResponse, resolveFormat, responseHeaders, sseFrames, type ExchangeMiddleware, type ExchangeOptions } from './respond.js';

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
    let exchange = koaExchange(ctx);
    try {
      if (!exchange) {
        const format = resolveFormat(options, ctx.path);
        exchange = await createExchange(ctx.req, ctx.res, {
          path: ctx.path,
          format,
          parsedBody: (ctx.request as { body?: unknown }).body,
          bodyLimit: options.bodyLimit,
          now: options.now,
        });
        ctx.state.switchyard = exchange;
        options.onExchange?.(exchange);
      }
      await middleware(exchange, () => next());
    } catch (err) {
      const format = exchange?.format ?? safeFormat(options, ctx.path);
      if (exchange) exchange.error = err;
      writeKoa(ctx, exchange, errorResponse(format, err));
      return;
    }
    if (exchange.response && !exchange.locals.has(WRITTEN)) writeKoa(ctx, exchange, exchange.response);
  };
  Object.defineProperty(adapted, 'name', { value: middleware.name || 'switchyard' });
  return adapted;
}

const WRITTEN = Symbol.for('switchyard.koa.written');

function safeFormat(options: ExchangeOptions, path: string) {
  try {
    return resolveFormat(options, path);
  } catch {
    return 'openai.chat' as const;
  }
}

function writeKoa(ctx: Context, exchange: Exchange | undefined, response: NonNullable<Exchange['response']>): void {
  exchange?.locals.set(WRITTEN, true);
  ctx.status = response.status;
  if (!exchange) {
    ctx.set(response.headers);
    ctx.body = response.kind === 'json' ? response.body : '';
    return;
  }
  ctx.set(responseHeaders(exchange, response));
  if (response.kind === 'json') {
    ctx.body = response.body;
    return;
  }
  ctx.req.socket.setNoDelay(true);
  ctx.body = Readable.from(sseFrames(exchange, response), { objectMode: false });
}
