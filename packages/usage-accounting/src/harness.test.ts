// Shared test support (no tests here): real HTTP servers on loopback and a scripted executor.
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import express from 'express';
import Koa from 'koa';
import { toKoa } from '@switchyard/core/koa';
import { toExpress } from '@switchyard/core/express';
import type { Attempt, Exchange, ExchangeMiddleware, SseEvent, Target, Usage } from '@switchyard/core';
import type { RequestLogRecord } from './record.js';

export interface Running {
  url: string;
  close(): Promise<void>;
}

function listen(server: Server): Promise<Running> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Compose neutral middleware into one, as the gateway does. */
export function chain(...mws: ExchangeMiddleware[]): ExchangeMiddleware {
  return async function chained(exchange, next) {
    const run = (i: number): Promise<void> => (i === mws.length ? next() : mws[i]!(exchange, () => run(i + 1)));
    await run(0);
  };
}

export function startKoa(mw: ExchangeMiddleware): Promise<Running> {
  const app = new Koa();
  app.use(toKoa(mw));
  return listen(createServer(app.callback()));
}

export function startExpress(mw: ExchangeMiddleware): Promise<Running> {
  const app = express();
  app.use(toExpress(mw));
  return listen(createServer(app));
}

/** One scripted upstream try. */
export interface ScriptedAttempt {
  target: Target;
  outcome: Attempt['outcome'];
  failureKind?: Attempt['failureKind'];
  status?: number;
  /** ms the attempt took (on the exchange clock). */
  took?: number;
}

/** What the fake executor answers with. */
export interface Script {
  attempts: ScriptedAttempt[];
  json?: { status?: number; body: unknown };
  /** Events to stream; a thrown Error in place of an event cuts the stream there. */
  events?: Array<SseEvent | Error>;
  /** What the executor puts on exchange.usage (the adapter's normalised usage). */
  usage?: Usage;
  /** Throw this instead of answering (all attempts failed). */
  error?: Error;
}

/**
 * A terminal middleware that behaves like the executor: records attempts, sets the response
 * and usage. `seen` gets the body the "upstream" received.
 */
export function fakeExecutor(script: (exchange: Exchange) => Script, seen: Array<Record<string, unknown>> = []): ExchangeMiddleware {
  return async function fakeExecutor(exchange) {
    seen.push(exchange.body);
    const s = script(exchange);
    let t = exchange.startedAt + 1;
    for (const a of s.attempts) {
      const took = a.took ?? 10;
      const attempt: Attempt = { target: a.target, startedAt: t, outcome: a.outcome };
      if (a.outcome === 'success' || (a.outcome === 'failure' && s.events && a === s.attempts[s.attempts.length - 1]))
        attempt.firstByteAt = t + Math.floor(took / 2);
      attempt.endedAt = t + took;
      if (a.failureKind) attempt.failureKind = a.failureKind;
      if (a.status) attempt.status = a.status;
      exchange.attempts.push(attempt);
      t += took;
    }
    if (s.error) throw s.error;
    if (s.usage) exchange.usage = s.usage;
    if (s.json) {
      exchange.response = { kind: 'json', status: s.json.status ?? 200, headers: {}, body: JSON.stringify(s.json.body) };
      return;
    }
    const events = s.events ?? [];
    exchange.response = {
      kind: 'stream',
      status: 200,
      headers: {},
      events: (async function* () {
        for (const ev of events) {
          if (ev instanceof Error) throw ev;
          yield ev;
        }
      })(),
    };
  };
}

/** Collects records as the middleware queues them; `next(n)` waits for n of them. */
export function recorder() {
  const records: RequestLogRecord[] = [];
  let waiters: Array<{ n: number; resolve: () => void }> = [];
  return {
    records,
    onRecord(record: RequestLogRecord) {
      records.push(record);
      waiters = waiters.filter((w) => (records.length >= w.n ? (w.resolve(), false) : true));
    },
    until(n: number): Promise<RequestLogRecord[]> {
      if (records.length >= n) return Promise.resolve(records);
      return new Promise((resolve) => waiters.push({ n, resolve: () => resolve(records) }));
    },
  };
}

export const OPENAI: Target = { provider: 'openai', model: 'gpt-4o' };
export const ANTHROPIC: Target = { provider: 'anthropic', model: 'claude-sonnet-4' };

export const PRICES = {
  'openai/gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10, cacheReadPerMTok: 1.25 },
  'anthropic/claude-sonnet-4': { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75 },
} as const;

export const prices = (provider: string, model: string) => (PRICES as Record<string, (typeof PRICES)[keyof typeof PRICES]>)[`${provider}/${model}`];

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** `data:` payloads of an SSE body, in order. */
export function sseData(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice(6));
}

export const openaiChunk = (content: string) => ({
  data: JSON.stringify({
    id: 'c1',
    object: 'chat.completion.chunk',
    model: 'gpt-4o',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
    usage: null,
  }),
});
