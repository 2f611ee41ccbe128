/** A real Koa or Express app around the middleware under test: stub auth, then limits, then a scripted terminal. */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Koa from 'koa';
import { GatewayError, emptyUsage, type Exchange, type ExchangeMiddleware, type KeyLimits } from '@switchyard/core';
import { toExpress } from '@switchyard/core/express';
import { toKoa } from '@switchyard/core/koa';

export type Framework = 'koa' | 'express';

/** Scripted upstream: `x-mode: json|stream|fail|hold`, `x-usage: in,out`. */
export function terminal(gate?: { wait(): Promise<void> }): ExchangeMiddleware {
  return async function terminal(exchange: Exchange) {
    const mode = exchange.headers['x-mode'] ?? 'json';
    const [input, output] = (exchange.headers['x-usage'] ?? '10,5').split(',').map(Number) as [number, number];
    const target = exchange.plan?.targets[0] ?? exchange.candidates?.[0];
    if (mode === 'not-sent') {
      // The request could not be built for the target: it never left (a `rejected` attempt).
      if (target) exchange.attempts.push({ target, startedAt: exchange.now(), outcome: 'rejected' });
      throw new GatewayError('Request could not be translated', { status: 400 });
    }
    if (target) exchange.attempts.push({ target, startedAt: exchange.now(), outcome: 'success' });
    if (mode === 'hold') await gate?.wait();
    if (mode === 'fail') throw new GatewayError('All providers failed', { status: 502 });
    const body = { ok: true, target: target ?? null };
    if (mode === 'stream') {
      exchange.response = {
        kind: 'stream',
        status: 200,
        headers: {},
        events: (async function* () {
          yield { data: JSON.stringify({ delta: 'hi' }) };
          exchange.usage = { ...emptyUsage(), inputTokens: input, outputTokens: output };
          yield { data: '[DONE]' };
        })(),
      };
      return;
    }
    exchange.usage = { ...emptyUsage(), inputTokens: input, outputTokens: output };
    exchange.response = { kind: 'json', status: 200, headers: {}, body: JSON.stringify(body) };
  };
}

/** Stub auth: `x-key: <id>` becomes a principal with the limits registered for it. */
export function stubAuth(limits: Map<string, KeyLimits>): ExchangeMiddleware {
  return async function stubAuth(exchange, next) {
    const id = exchange.headers['x-key'];
    if (id) exchange.principal = { id, name: `key ${id}`, kind: 'key', limits: limits.get(id) };
    await next();
  };
}

export interface Running {
  url: string;
  close(): Promise<void>;
}

/** Serve `[auth, ...middle, terminal]` on 127.0.0.1:0 with Koa or Express. */
export async function serve(framework: Framework, chain: { koa: Koa.Middleware[]; express: express.RequestHandler[] }): Promise<Running> {
  let server: Server;
  if (framework === 'koa') {
    const app = new Koa();
    for (const mw of chain.koa) app.use(mw);
    server = app.listen(0, '127.0.0.1');
  } else {
    const app = express();
    for (const mw of chain.express) app.use(mw);
    server = app.listen(0, '127.0.0.1');
  }
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Wrap neutral middleware for either framework. */
export function adapt(framework: Framework, mws: ExchangeMiddleware[]) {
  return framework === 'koa' ? { koa: mws.map((m) => toKoa(m)), express: [] } : { koa: [], express: mws.map((m) => toExpress(m)) };
}

/** POST a chat request. */
export async function chat(url: string, key: string | undefined, headers: Record<string, string> = {}, body: Record<string, unknown> = {}) {
  const res = await fetch(`${url}${headers['x-path'] ?? '/v1/chat/completions'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'x-key': key } : {}), ...headers },
    body: JSON.stringify({ model: 'gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'hello there' }], ...body }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, any> };
}
