import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  assertJsonContentType,
  DEFAULT_BODY_LIMIT,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_MAX_JSON_DEPTH,
  formatForPath,
  headerMap,
  parseJsonObject,
  readRawBody,
} from './body.js';
import { GatewayError, renderError, toGatewayError } from './errors.js';
import { Exchange, type ExchangeResponse, type JsonResponse, type StreamResponse } from './exchange.js';
import { prependItem } from './prepend.js';
import { safeHeaders } from './client-text.js';
import { formatSseEvent } from './sse.js';
import { familyOf, type ClientFormat } from './types.js';

/**
 * A framework-neutral Switchyard middleware: reads and writes the {@link Exchange}, calls
 * `next` to continue, or sets `exchange.response` (or throws a GatewayError) to answer.
 */
export type ExchangeMiddleware = (exchange: Exchange, next: () => Promise<void>) => Promise<void>;

/** How a framework adapter creates the exchange when it is first in line. */
export interface ExchangeOptions {
  /**
   * Client format of the route, or a function of the request path. Defaults to
   * {@link formatForPath} (`…/chat/completions` is `openai.chat`, `…/messages` is
   * `anthropic.messages`, …).
   */
  format?: ClientFormat | ((path: string) => ClientFormat | undefined);
  /** Largest request body accepted, in bytes. Defaults to 10 MiB. */
  bodyLimit?: number;
  /**
   * How long the request body may take to arrive, in ms; a slower body is a 408 that closes
   * the connection. 0 waits for ever. Defaults to 30000.
   */
  bodyTimeoutMs?: number;
  /** Deepest JSON nesting (objects and arrays) accepted in a body read here; deeper is a 400. Defaults to 64. */
  maxJsonDepth?: number;
  /** Clock in ms. Defaults to Date.now. */
  now?: () => number;
  /** Called with every exchange this adapter creates (the gateway emits `exchange.start`). Defaults to none. */
  onExchange?: (exchange: Exchange) => void;
}

/**
 * The error for a middleware that neither set `exchange.response` nor called `next()`: a bug
 * in that middleware, answered as an opaque 500 (Express would otherwise hang, Koa send 404).
 * @example throw unanswered(myMiddleware)
 */
export function unanswered(middleware: ExchangeMiddleware): GatewayError {
  return new GatewayError(`Switchyard middleware "${middleware.name || 'anonymous'}" neither answered nor called next()`, {
    status: 500,
    code: 'middleware_unanswered',
  });
}

/** Resolve the client format of a request, or fail with a 404 in OpenAI format. */
export function resolveFormat(options: ExchangeOptions, path: string): ClientFormat {
  const format = typeof options.format === 'function' ? options.format(path) : (options.format ?? formatForPath(path));
  if (!format) throw new GatewayError(`No AI endpoint at ${path}`, { status: 404, code: 'unknown_route' });
  return format;
}

/** How {@link createExchange} reads a body. */
export interface BodyReading {
  bodyLimit?: number;
  bodyTimeoutMs?: number;
  maxJsonDepth?: number;
}

/**
 * Build the exchange for a node request. Uses a body a body-parser already produced, else
 * reads and parses the raw body: 415 unless the content type is JSON (or absent), 413 over the
 * limit, 408 when it does not arrive in time, 400 on malformed or too deeply nested JSON.
 * @example const exchange = await createExchange(req, res, { path: '/v1/messages', format: 'anthropic.messages' });
 */
export async function createExchange(
  req: IncomingMessage,
  res: ServerResponse,
  init: { path: string; format: ClientFormat; parsedBody?: unknown; now?: () => number } & BodyReading,
): Promise<Exchange> {
  const { body, bytes } = await requestBody(req, init.parsedBody, init);
  const exchange = new Exchange({ format: init.format, body, bodyBytes: bytes, headers: headerMap(req.headers), path: init.path, now: init.now });
  bindSettlement(exchange, res);
  return exchange;
}

/** The parsed body, and the bytes it came from when they were read here. */
async function requestBody(req: IncomingMessage, parsed: unknown, reading: BodyReading): Promise<{ body: Record<string, unknown>; bytes?: Buffer }> {
  assertJsonContentType(req.headers['content-type']);
  const depth = reading.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const consumed = req.readableEnded;
  if (isPlainObject(parsed) && (consumed || Object.keys(parsed).length > 0)) return { body: parsed };
  if (consumed && parsed !== undefined && parsed !== null) {
    // A parser read the stream and left text or bytes (express.text/raw), or a JSON value that
    // is not an object (an array): judge what it produced, the stream has nothing left.
    if (typeof parsed === 'string' || Buffer.isBuffer(parsed)) return { body: parseJsonObject(parsed, depth) };
    throw new GatewayError('Request body must be a JSON object', { status: 400, code: 'invalid_json' });
  }
  // Body parsers that skip a request (another content type) leave `{}` or undefined and the
  // stream unread: read it ourselves, and keep the bytes to forward unchanged.
  const bytes = await readRawBody(req, reading.bodyLimit ?? DEFAULT_BODY_LIMIT, reading.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS);
  return { body: parseJsonObject(bytes, depth), bytes };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/**
 * Settle the exchange when the response has really finished or the connection closed first
 * (the client went away: this also aborts upstream work through `exchange.signal`).
 */
export function bindSettlement(exchange: Exchange, res: ServerResponse): void {
  res.once('close', () => {
    const finished = res.writableFinished;
    exchange.settle({
      outcome: !finished ? 'aborted' : exchange.error !== undefined || res.statusCode >= 400 ? 'failed' : 'completed',
      status: res.statusCode,
      error: exchange.error,
    });
  });
}

/**
 * The JSON error response for an error, in the client's format. With `requestId` the body
 * (Anthropic's `request_id`) and the headers (`x-request-id`, and `request-id` for Anthropic
 * clients) carry it, so an error raised before any exchange existed still names the request.
 * @example errorResponse('openai.chat', new GatewayError('Nope', { status: 403 }), exchange.id)
 */
export function errorResponse(format: ClientFormat, err: unknown, requestId?: string): JsonResponse {
  const error = toGatewayError(err);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...error.headers };
  if (requestId !== undefined) {
    headers['x-request-id'] = requestId;
    if (familyOf(format) === 'anthropic') headers['request-id'] = requestId;
  }
  return { kind: 'json', status: error.status, headers: safeHeaders(headers), body: JSON.stringify(renderError(error, format, requestId ?? null)) };
}

/**
 * Every header of the client response: the response's own, pieces' additions, the request id.
 * Values are made wire-safe here (pieces may copy client text, e.g. a model name, into them).
 */
export function responseHeaders(exchange: Exchange, response: ExchangeResponse): Record<string, string> {
  const headers: Record<string, string> = { ...response.headers, ...exchange.responseHeaders, 'x-request-id': exchange.id };
  if (exchange.clientRequestId !== undefined) headers['x-client-request-id'] = exchange.clientRequestId;
  // The Anthropic SDK reads the request id from `request-id` only.
  if (familyOf(exchange.format) === 'anthropic') headers['request-id'] = exchange.id;
  if (response.kind === 'stream') {
    headers['content-type'] = 'text/event-stream; charset=utf-8';
    headers['cache-control'] = 'no-cache';
    headers['x-accel-buffering'] = 'no';
  } else {
    headers['content-type'] ??= 'application/json';
  }
  return safeHeaders(headers);
}

/**
 * The in-band error that ends a stream which failed after its first byte: OpenAI clients see
 * `data: {"error":…}`, Anthropic clients `event: error`. Never a clean end.
 */
export function streamErrorFrame(format: ClientFormat, err: unknown, requestId?: string): string {
  const error = toGatewayError(err);
  const body = renderError(error, format, requestId ?? null);
  return familyOf(format) === 'anthropic' ? formatSseEvent({ event: 'error', data: JSON.stringify(body) }) : formatSseEvent({ data: JSON.stringify(body) });
}

/**
 * Wait for the first item of a stream before anything is written, so that a source failing
 * before its first event becomes a proper HTTP error (the status and body SDKs retry on)
 * instead of a 200 carrying an in-band error. Rejects with the source's error.
 * @example const ready = await primeStream(response); // then write `ready`
 */
export async function primeStream(response: StreamResponse): Promise<StreamResponse> {
  const iterator = response.events[Symbol.asyncIterator]();
  const first = await iterator.next();
  return { ...response, events: resumed(first, iterator) };
}

function resumed<T>(first: IteratorResult<T>, iterator: AsyncIterator<T>): AsyncIterable<T> {
  // Not an async generator: after the first item the writer pulls straight from the source.
  // Stopped early (client gone, writer destroyed), the source is closed to release its upstream.
  if (first.done) return EMPTY as AsyncIterable<T>;
  return prependItem(first.value, iterator);
}

const EMPTY: AsyncIterable<never> = {
  [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }),
};
