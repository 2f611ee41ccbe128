/** Test support (not shipped): a local upstream on 127.0.0.1 that records requests and replays fixtures. */
import http from 'node:http';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type UpstreamHandler = (req: Recorded, res: http.ServerResponse) => unknown;

export interface Upstream {
  url: string;
  requests: Recorded[];
  set(handler: UpstreamHandler): void;
  /** Resolves when the response of the latest request closed (client gone or finished). */
  closed(): Promise<void>;
  close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  let handler: UpstreamHandler = (_req, res) => res.end();
  const requests: Recorded[] = [];
  let lastClosed: Promise<void> = Promise.resolve();
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const rec: Recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
    requests.push(rec);
    lastClosed = once(res, 'close').then(() => undefined);
    await handler(rec, res);
  });
  // Longer than any pause between two requests of a test (a schema compile on a busy machine can
  // take seconds): with Node's 5 s default the server may close a pooled socket just as the client
  // reuses it (ECONNRESET).
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    set(h) {
      handler = h;
    },
    closed: () => lastClosed,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Read a file of packages/providers/fixtures (works from dist/**). */
export function fixtureText(path: string): string {
  return readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
}

export function fixtureJson<T = Record<string, any>>(path: string): T {
  return JSON.parse(fixtureText(path)) as T;
}

/** Write `text` in pieces of `size` bytes, each its own write (exercises any chunking). */
export async function writeInPieces(res: http.ServerResponse, text: string, size: number): Promise<void> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) {
    res.write(bytes.subarray(i, i + size));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
