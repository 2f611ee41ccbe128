/** Test support (not shipped): a Koa gateway of plan + failover over the real adapters. */
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import OpenAI from 'openai';
import { EventBus, type Attempt, type Exchange, type Target } from '@switchyard/core';
import { toKoa } from '@switchyard/core/koa';
import type { HttpTransport, ProviderAdapter } from '@switchyard/providers';
import { failover, type FailoverMiddleware } from './failover.js';
import type { FailoverOptions } from './options.js';

export interface Gateway {
  url: string;
  openai: OpenAI;
  events: EventBus;
  /** Retry waits the executor asked for (the injected sleep advances the clock, never waits). */
  sleeps: number[];
  /** The test clock: wall time plus every injected sleep. */
  now: () => number;
  /** Named events in order (`retry:p`, `failover:p->s`, `breaker.open:p`, `giveup`). */
  log: string[];
  /** Every attempt.start / attempt.end payload, in order. */
  attemptEvents: Array<{ name: 'start' | 'end'; attempt: Attempt; snapshot: Attempt }>;
  exchanges: Exchange[];
  fo: FailoverMiddleware;
  /** The last exchange, once it settled. */
  settled(): Promise<Exchange>;
  close(): Promise<void>;
}

/** Small timeouts so every fault resolves in well under a second. */
export const FAST_TIMEOUTS = { connectMs: 1000, firstByteMs: 300, firstTokenMs: 300, responseMs: 300, idleMs: 300, totalMs: 5000 };

export async function startGateway(init: {
  adapters: Map<string, ProviderAdapter>;
  targets: Target[];
  transport: HttpTransport;
  options?: Partial<FailoverOptions>;
}): Promise<Gateway> {
  const events = new EventBus();
  const sleeps: number[] = [];
  let offset = 0;
  const now = () => Date.now() + offset;
  const log: string[] = [];
  for (const name of ['retry', 'failover', 'giveup', 'breaker.open', 'breaker.half_open', 'breaker.close'] as const) {
    events.on(name, (p: any) => log.push(name + (p.to ? `:${p.from.provider}->${p.to.provider}` : p.target ? `:${p.target.provider}` : '')));
  }
  const attemptEvents: Gateway['attemptEvents'] = [];
  events.on('attempt.start', ({ attempt }) => attemptEvents.push({ name: 'start', attempt, snapshot: { ...attempt } }));
  events.on('attempt.end', ({ attempt }) => attemptEvents.push({ name: 'end', attempt, snapshot: { ...attempt } }));
  const fo = failover({
    adapters: init.adapters,
    transport: init.transport,
    events,
    now,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
      offset += ms;
    },
    timeouts: FAST_TIMEOUTS,
    ...init.options,
  });
  const exchanges: Exchange[] = [];
  const app = new Koa();
  app.silent = true; // client hang-ups mid-stream are expected here, not worth stderr
  app.use(
    toKoa(async function plan(exchange, next) {
      exchanges.push(exchange);
      exchange.plan = { strategy: 'test', targets: init.targets.map((t) => ({ ...t, reason: 'test' })) };
      await next();
    }),
  );
  app.use(toKoa(fo));
  const server = http.createServer(app.callback());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    events,
    sleeps,
    now,
    log,
    attemptEvents,
    exchanges,
    fo,
    openai: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-client', maxRetries: 0, timeout: 10_000 }),
    settled() {
      const ex = exchanges[exchanges.length - 1]!;
      return new Promise((resolve) => ex.onSettled(() => resolve(ex)));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** POST a JSON body and read the whole answer (the raw wire). */
export async function post(
  url: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string; ms: number }> {
  const started = Date.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, ms: Date.now() - started };
}

/** The data payloads of an SSE body. */
export function sseData(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice(6));
}
