import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { parseJsonObject, readRawBody } from './body.js';
import { isGatewayError, GatewayError, renderError, toGatewayError } from './errors.js';

/** What a route handler sees of a request: plain data, no framework objects (except `context`). */
export interface RouteRequest {
  method: string;
  /** Path after the mount prefix, e.g. `/v1/providers/health`. */
  path: string;
  /** `:name` segments of the route's path. */
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /**
   * The JSON object body (a body parser's result is reused; 400 when malformed or not an object).
   * @param limit Largest body read, in bytes (413 above it). Defaults to 65536.
   */
  json(limit?: number): Promise<Record<string, unknown>>;
  /** The framework's own request context (Koa `ctx`, Express `req`), for an app's own auth. */
  context: unknown;
}

/** A JSON answer, or a stream (server-sent events) the mount pipes until the client leaves. */
export type RouteResult =
  { status: number; body: unknown; headers?: Record<string, string> } | { status: number; stream: Readable; headers: Record<string, string> };

/** One entry of a framework-neutral route table. */
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path with `:param` segments, e.g. `/v1/providers/health`. */
  path: string;
  handler(request: RouteRequest): RouteResult | Promise<RouteResult>;
}

/** Largest JSON body a route reads. */
const ROUTE_BODY_LIMIT = 64 * 1024;

/**
 * Find the route for a method and path.
 * @example matchRoute(routes, 'GET', '/v1/providers/health')
 */
export function matchRoute(routes: readonly Route[], method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  const want = method === 'HEAD' ? 'GET' : method;
  const parts = path.split('/');
  for (const route of routes) {
    if (route.method !== want) continue;
    const pattern = route.path.split('/');
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    if (pattern.every((seg, i) => (seg.startsWith(':') ? (params[seg.slice(1)] = decodeSegment(parts[i]!)) !== '' : seg === parts[i]))) {
      return { route, params };
    }
  }
  return undefined;
}

/** A percent-decoded path segment; a malformed one matches nothing. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

/** The framework-specific parts a mount hands to {@link answerRoute}. */
export interface RouteInput {
  route: Route;
  params: Record<string, string>;
  path: string;
  search: string;
  req: IncomingMessage;
  /** A body parser's result, if one ran. */
  parsedBody: unknown;
  context: unknown;
}

/**
 * Run a route's handler. A thrown error becomes its JSON answer (status from the error,
 * Anthropic's error shape when the client sent `anthropic-version`, else OpenAI's).
 * @example const result = await answerRoute({ route, params, path, search: '', req, parsedBody: undefined, context: ctx });
 */
export async function answerRoute(input: RouteInput): Promise<RouteResult> {
  const { req } = input;
  const request: RouteRequest = {
    method: req.method ?? 'GET',
    path: input.path,
    params: input.params,
    query: new URLSearchParams(input.search),
    headers: req.headers,
    async json(limit = ROUTE_BODY_LIMIT) {
      const parsed = input.parsedBody;
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && Object.keys(parsed).length > 0) return parsed as Record<string, unknown>;
      return parseJsonObject(await readRawBody(req, limit));
    },
    context: input.context,
  };
  try {
    return await input.route.handler(request);
  } catch (err) {
    const error = isGatewayError(err)
      ? err
      : err instanceof TypeError
        ? new GatewayError(err.message, { status: 400, code: 'invalid_request' })
        : toGatewayError(err);
    const format = req.headers['anthropic-version'] !== undefined ? 'anthropic.messages' : 'openai.chat';
    return { status: error.status, body: renderError(error, format), headers: error.headers };
  }
}
