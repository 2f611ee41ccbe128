/**
 * Helpers for the one contract suite every Switchyard middleware runs against both a Koa and an
 * Express app: real HTTP servers on 127.0.0.1, port 0, and a client that returns exact bytes.
 * Koa and Express are loaded only when a server of that kind is started.
 * @module
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExchangeMiddleware, ExchangeOptions } from './respond.js';
import type { Route } from './route-table.js';

/** The frameworks the contract suite runs against. */
export type Framework = 'koa' | 'express';

/** Both frameworks, for `for (const framework of FRAMEWORKS) describe(framework, …)`. */
export const FRAMEWORKS: readonly Framework[] = ['koa', 'express'];

/** Options of {@link serve}. */
export interface ServeOptions extends ExchangeOptions {
  /**
   * Put a body parser in front: `express.json()` on Express, a stand-in that reads the body and
   * sets `ctx.request.body` on Koa. A function also transforms the parsed body (to prove it is
   * the one reused). Defaults to false.
   */
  bodyParser?: boolean | ((body: unknown) => unknown);
}

/** A started test server. */
export interface TestServer {
  /** Base URL, `http://127.0.0.1:PORT`. */
  url: string;
  /** Close the server and every connection it still holds. */
  close(): Promise<void>;
}

/**
 * Start a Koa or Express app that runs `middlewares` in order through `toKoa` / `toExpress`.
 * @example
 * const server = await serve('koa', [myMiddleware]);
 * try { const res = await httpRequest(`${server.url}/v1/chat/completions`, { body: '{}' }); } finally { await server.close(); }
 */
export async function serve(framework: Framework, middlewares: ExchangeMiddleware[], options: ServeOptions = {}): Promise<TestServer> {
  const { bodyParser, ...exchangeOptions } = options;
  const transform = typeof bodyParser === 'function' ? bodyParser : (body: unknown) => body;
  let server: Server;
  if (framework === 'koa') {
    const { default: Koa } = await import('koa');
    const { toKoa } = await import('./koa.js');
    const app = new Koa();
    app.silent = true;
    if (bodyParser) {
      app.use(async (ctx, next) => {
        const chunks: Buffer[] = [];
        for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
        (ctx.request as { body?: unknown }).body = transform(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        await next();
      });
    }
    for (const middleware of middlewares) app.use(toKoa(middleware, exchangeOptions));
    server = createServer(app.callback());
  } else {
    const { default: express } = await import('express');
    const { toExpress } = await import('./express.js');
    const app = express();
    if (bodyParser) {
      app.use(express.json());
      app.use((req, _res, next) => {
        req.body = transform(req.body);
        next();
      });
    }
    for (const middleware of middlewares) app.use(toExpress(middleware, exchangeOptions));
    server = createServer(app);
  }
  return listen(server);
}

/** Options of {@link serveRoutes}. */
export interface ServeRoutesOptions {
  /** Where the table is mounted (`app.use(prefix, …)` on Express, `{ prefix }` on Koa). Defaults to the root. */
  prefix?: string;
}

/**
 * Start a Koa or Express app that mounts a framework-neutral route table through `koaRoutes` /
 * `expressRoutes`, for the contract test every admin table runs on both frameworks.
 * @example const server = await serveRoutes('express', keysAdminRoutes({ keys }), { prefix: '/admin' });
 */
export async function serveRoutes(framework: Framework, routes: readonly Route[], options: ServeRoutesOptions = {}): Promise<TestServer> {
  const prefix = options.prefix ?? '';
  if (framework === 'koa') {
    const { default: Koa } = await import('koa');
    const { koaRoutes } = await import('./koa-routes.js');
    const app = new Koa();
    app.silent = true;
    app.use(koaRoutes(routes, { prefix }));
    return listen(createServer(app.callback()));
  }
  const { default: express } = await import('express');
  const { expressRoutes } = await import('./express-routes.js');
  const app = express();
  app.use(prefix || '/', expressRoutes(routes));
  return listen(createServer(app));
}

/** Listen on 127.0.0.1, port 0. */
async function listen(server: Server): Promise<TestServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A response as {@link httpRequest} returns it. */
export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The exact body bytes. */
  body: Buffer;
  text: string;
  json(): unknown;
}

/** Options of {@link httpRequest}. */
export interface TestRequestInit {
  /** Defaults to POST. */
  method?: string;
  /** Defaults to `content-type: application/json`. */
  headers?: Record<string, string>;
  /** Defaults to no body. */
  body?: string | Buffer;
  /** Send the body chunked, without content-length. Defaults to false. */
  chunked?: boolean;
}

/**
 * One request on a fresh connection (no pooling, so closing the server never waits on it).
 * @example const res = await httpRequest(`${url}/v1/messages`, { body: JSON.stringify({ model: 'm' }) });
 */
export function httpRequest(url: string, init: TestRequestInit = {}): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json', ...init.headers };
    if (init.body !== undefined && !init.chunked) headers['content-length'] = Buffer.byteLength(init.body);
    const req = request(url, { method: init.method ?? 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/**
 * A deterministic random source for simulations (mulberry32): the same seed, the same sequence.
 * @example const random = seeded(42); random(); // 0.6011…
 */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
