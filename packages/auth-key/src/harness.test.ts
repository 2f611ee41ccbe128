// Shared helpers of the auth-key tests (no tests of its own).
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Exchange, ExchangeMiddleware, Logger } from '@switchyard/core';
import { byokCredential, byokProvidersUsed } from './byok.js';

/** A logger that keeps every line, to assert no secret was ever logged. */
export function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const write = (level: string) => (obj: object, msg?: string) => void lines.push(JSON.stringify({ level, ...obj, msg }));
  return { lines, debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

async function* streamUntilAborted(exchange: Exchange): AsyncGenerator<{ data: string }> {
  yield { data: JSON.stringify({ chunk: 0 }) };
  // What the executor does: the event source throws the abort reason when the signal aborts.
  await new Promise<never>((_, reject) => {
    if (exchange.signal.aborted) return reject(exchange.signal.reason);
    exchange.signal.addEventListener('abort', () => reject(exchange.signal.reason), { once: true });
  });
}

/**
 * The last piece of a test chain: a JSON echo of the principal and the BYOK credential it
 * would use for `provider` (body field), or a stream that runs until the exchange is aborted.
 */
export function terminal(): ExchangeMiddleware {
  return async function terminal(exchange) {
    if (exchange.stream) {
      exchange.response = { kind: 'stream', status: 200, headers: {}, events: streamUntilAborted(exchange) };
      return;
    }
    const provider = typeof exchange.body.provider === 'string' ? exchange.body.provider : 'openai';
    const byok = byokCredential(exchange, provider) ?? null;
    exchange.response = {
      kind: 'json',
      status: 200,
      headers: {},
      body: JSON.stringify({ principal: exchange.principal, byok, byokUsed: [...byokProvidersUsed(exchange)] }),
    };
  };
}

/** Listen on 127.0.0.1:0; returns the base URL and a close function. */
export async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; close: () => Promise<void>; server: Server }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** POST a JSON body; returns status, parsed body and raw text. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** Open a streaming request and read until `predicate(textSoFar)` holds; returns the reader state. */
export async function openStream(url: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  return {
    status: res.status,
    get text() {
      return text;
    },
    async readUntil(predicate: (t: string) => boolean): Promise<string> {
      while (!predicate(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      return text;
    },
    async readToEnd(): Promise<string> {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return text;
        text += decoder.decode(value, { stream: true });
      }
    },
  };
}
