import type { IncomingMessage, ServerResponse } from 'node:http';
import { timeOrderedId } from './time-ordered-id.js';
import type { Exchange, JsonResponse } from './exchange.js';
import { createExchange, errorResponse, resolveFormat, type ExchangeMiddleware, type ExchangeOptions } from './respond.js';

/**
 * What the shared part of toKoa/toExpress needs to know about one request; everything else
 * (where the exchange is kept, how an answer is written) stays in the framework adapter.
 */
export interface AdaptedRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** The path the route's client format is resolved from. */
  routePath: string;
  /** The path recorded on a new exchange. */
  path: string;
  /** A body a body-parser already produced, if any. */
  parsedBody: unknown;
  /** The exchange an outer Switchyard middleware created for this request, if any. */
  existing: Exchange | undefined;
  /** Keep a new exchange where later middleware of the same request find it. */
  keep(exchange: Exchange): void;
}

/** How a run ended: `failed` with the error it threw (the exchange is missing if creating it failed). */
export type AdaptedRun =
  { failed: false; exchange: Exchange; passed: boolean } | { failed: true; exchange: Exchange | undefined; passed: boolean; error: unknown };

/**
 * Create the exchange if this middleware is the first Switchyard one on the request, then run
 * `middleware` on it. `passed` says whether it called `next`. Nothing is written or recorded:
 * the framework adapter decides what a failure means (Express hands a later handler's error on).
 * @example const run = await runAdapted(middleware, options, request, () => next());
 */
export async function runAdapted(
  middleware: ExchangeMiddleware,
  options: ExchangeOptions,
  request: AdaptedRequest,
  next: () => Promise<void>,
): Promise<AdaptedRun> {
  let exchange = request.existing;
  let passed = false;
  try {
    if (!exchange) {
      exchange = await createExchange(request.req, request.res, {
        path: request.path,
        format: resolveFormat(options, request.routePath),
        parsedBody: request.parsedBody,
        bodyLimit: options.bodyLimit,
        bodyTimeoutMs: options.bodyTimeoutMs,
        maxJsonDepth: options.maxJsonDepth,
        now: options.now,
      });
      request.keep(exchange);
      options.onExchange?.(exchange);
    }
    await middleware(exchange, () => {
      passed = true;
      return next();
    });
    return { failed: false, exchange, passed };
  } catch (error) {
    return { failed: true, exchange, passed, error };
  }
}

/**
 * The answer to a failed run, in the client's format (OpenAI's when even the route is unknown),
 * with the error recorded on the exchange if there is one.
 * @example writeKoa(ctx, run.exchange, failureResponse(run, request, options));
 */
export function failureResponse(run: AdaptedRun & { failed: true }, request: AdaptedRequest, options: ExchangeOptions): JsonResponse {
  const { exchange, error } = run;
  if (exchange) exchange.error = error;
  const format = exchange?.format ?? formatOrDefault(options, request.routePath);
  return errorResponse(format, error, exchange?.id ?? timeOrderedId());
}

function formatOrDefault(options: ExchangeOptions, path: string) {
  try {
    return resolveFormat(options, path);
  } catch {
    return 'openai.chat' as const;
  }
}
