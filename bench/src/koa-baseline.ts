/**
 * The second baseline: what a hand-written Koa service pays to proxy a chat completion with no
 * gateway features. It reads and parses the JSON body, re-serialises it into an undici request,
 * and for JSON answers parses and re-serialises the upstream's body; streams are piped through.
 * The gap between this and the gateway is the gateway's pipeline, not Koa or undici.
 * @module
 */
import { createServer, type Server } from 'node:http';
import Koa from 'koa';
import { Agent, request } from 'undici';

async function readJson(stream: AsyncIterable<Buffer>): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/**
 * A Koa app forwarding `POST /v1/chat/completions` to `upstream` (an origin) with undici.
 * Not listening yet; `close()` also closes the undici pool.
 * @example
 * const { server, close } = createKoaBaseline('http://127.0.0.1:4000');
 * server.listen(0, '127.0.0.1');
 */
export function createKoaBaseline(upstream: string): { server: Server; close(): Promise<void> } {
  const dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 128 });
  const app = new Koa();
  app.use(async (ctx) => {
    const body = (await readJson(ctx.req)) as { stream?: boolean };
    const res = await request(`${upstream}${ctx.path}`, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json', authorization: String(ctx.get('authorization')) },
      body: JSON.stringify(body),
    });
    ctx.status = res.statusCode;
    ctx.type = String(res.headers['content-type'] ?? 'application/json');
    if (body.stream !== true) {
      ctx.body = await res.body.json();
      return;
    }
    // A client that goes away mid-stream destroys the body; that is not a crash.
    res.body.on('error', () => {});
    ctx.body = res.body;
  });
  const server = createServer(app.callback());
  server.keepAliveTimeout = 60_000;
  return { server, close: () => dispatcher.close() };
}
