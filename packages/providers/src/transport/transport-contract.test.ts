import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { linkAbort } from '@switchyard/core';
import { TransportError, type HttpTransport, type TransportRequest } from '../transport.js';
import { createUndiciTransport, undiciLoadedWhole } from './undici.js';
import { createGotTransport } from './got.js';

const execFileAsync = promisify(execFile);

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** One server per suite; each test installs its handler. Sockets get ids to check keep-alive. */
async function startServer(): Promise<{ url: string; set(handler: Handler): void; socketId(req: http.IncomingMessage): number; close(): Promise<void> }> {
  let handler: Handler = (_req, res) => res.end();
  const ids = new WeakMap<net.Socket, number>();
  let next = 0;
  const server = http.createServer((req, res) => handler(req, res));
  server.on('connection', (socket) => ids.set(socket, ++next));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    set(h) {
      handler = h;
    },
    socketId: (req) => ids.get(req.socket) ?? -1,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function expectTransportError(promise: Promise<unknown>, kind: TransportError['kind'], phase?: TransportError['phase']): Promise<TransportError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TransportError, `expected TransportError, got ${String(error)}`);
    assert.equal(error.kind, kind, `kind (${error.message})`);
    if (phase) assert.equal(error.phase, phase, `phase (${error.message})`);
    return error;
  }
  assert.fail('expected a TransportError');
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<string> {
  let out = '';
  for await (const chunk of body) out += Buffer.from(chunk).toString();
  return out;
}

/** The contract every HttpTransport honours. */
function runTransportContract(name: string, make: () => HttpTransport, options: { followsAbort: boolean }): void {
  describe(`transport contract: ${name}`, { timeout: 10_000 }, () => {
    let server: Awaited<ReturnType<typeof startServer>>;
    let transport: HttpTransport;
    before(async () => {
      server = await startServer();
      transport = make();
    });
    after(async () => {
      await transport.close();
      await server.close();
    });

    it('round-trips a JSON body with lower-cased headers', async () => {
      server.set((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          res.writeHead(201, { 'Content-Type': 'application/json', 'X-RateLimit-Remaining': '7' });
          res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization, got: JSON.parse(body) }));
        });
      });
      const res = await transport.request({
        method: 'POST',
        url: `${server.url}/v1/x?y=1`,
        headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
        body: '{"a":[1,2]}',
      });
      assert.equal(res.status, 201);
      assert.equal(res.headers['x-ratelimit-remaining'], '7');
      assert.deepEqual(JSON.parse(await res.text()), { method: 'POST', auth: 'Bearer t', got: { a: [1, 2] } });
    });

    it('streams the body chunk by chunk (the second chunk is only sent after the first arrived)', async () => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      server.set(async (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: one\n\n');
        await released;
        res.end('data: two\n\n');
      });
      const res = await transport.request({ method: 'POST', url: server.url, headers: {}, body: '{}' });
      const chunks: string[] = [];
      for await (const chunk of res.body) {
        assert.ok(chunk instanceof Uint8Array);
        chunks.push(Buffer.from(chunk).toString());
        if (chunks.length === 1) release();
      }
      assert.equal(chunks[0], 'data: one\n\n');
      assert.equal(chunks.join(''), 'data: one\n\ndata: two\n\n');
    });

    it('reuses one keep-alive socket for sequential calls', async () => {
      server.set((req, res) => res.end(String(server.socketId(req))));
      const a = await (await transport.request({ method: 'GET', url: server.url, headers: {} })).text();
      // undici hands the socket back to its pool a tick after the body ended; real requests are never closer.
      await new Promise((resolve) => setImmediate(resolve));
      const b = await (await transport.request({ method: 'GET', url: server.url, headers: {} })).text();
      assert.equal(a, b);
    });

    it('reports ECONNREFUSED as a network error', async () => {
      const port = await freePort();
      const error = await expectTransportError(transport.request({ method: 'GET', url: `http://127.0.0.1:${port}/`, headers: {} }), 'network', 'request');
      assert.match(error.message, /ECONNREFUSED/);
    });

    it('times out waiting for the first byte', async () => {
      server.set(() => {});
      await expectTransportError(transport.request({ method: 'GET', url: server.url, headers: {}, timeouts: { firstByteMs: 100 } }), 'timeout', 'first_byte');
    });

    it('times out a stalled body (idle)', async () => {
      server.set((_req, res) => {
        res.writeHead(200);
        res.write('first');
      });
      const res = await transport.request({ method: 'GET', url: server.url, headers: {}, timeouts: { idleMs: 150 } });
      const seen: string[] = [];
      await expectTransportError(
        (async () => {
          for await (const c of res.body) seen.push(Buffer.from(c).toString());
        })(),
        'timeout',
        'idle',
      );
      assert.deepEqual(seen, ['first']);
    });

    it('enforces the total timeout', async () => {
      server.set(() => {});
      await expectTransportError(
        transport.request({ method: 'GET', url: server.url, headers: {}, timeouts: { totalMs: 120, firstByteMs: 10_000 } }),
        'timeout',
        'total',
      );
    });

    it('enforces the total timeout while the body streams', async () => {
      server.set((_req, res) => {
        res.writeHead(200);
        const t = setInterval(() => res.write('x'), 20);
        res.on('close', () => clearInterval(t));
      });
      const res = await transport.request({ method: 'GET', url: server.url, headers: {}, timeouts: { totalMs: 200, idleMs: 10_000 } });
      await expectTransportError(drain(res.body), 'timeout', 'total');
    });

    for (const how of ['signal', 'break', 'abort()'] as const) {
      it(`closes the upstream request at once when the client leaves mid-stream (${how})`, async () => {
        let upstreamClosed!: Promise<unknown>;
        server.set((req, res) => {
          upstreamClosed = once(res, 'close');
          res.writeHead(200);
          res.write('chunk');
        });
        const controller = new AbortController();
        const res = await transport.request({ method: 'GET', url: server.url, headers: {}, signal: controller.signal });
        const iterator = res.body[Symbol.asyncIterator]();
        assert.equal(Buffer.from((await iterator.next()).value as Uint8Array).toString(), 'chunk');
        if (how === 'signal') {
          controller.abort();
          await expectTransportError(iterator.next(), 'aborted');
        } else if (how === 'break') {
          await iterator.return?.();
        } else {
          res.abort();
          res.abort();
        }
        await upstreamClosed;
      });
    }

    it('rejects at once with aborted when the signal already fired', async () => {
      const controller = new AbortController();
      controller.abort();
      await expectTransportError(transport.request({ method: 'GET', url: server.url, headers: {}, signal: controller.signal }), 'aborted');
    });

    it(`stops when the caller's lightweight \`abort\` fires (${options.followsAbort ? 'it never reads `signal`' : 'it reads `signal`'})`, async () => {
      let upstreamClosed!: Promise<unknown>;
      server.set((req, res) => {
        upstreamClosed = once(res, 'close');
        res.writeHead(200);
        res.write('chunk');
      });
      const link = linkAbort([]);
      let signalReads = 0;
      const request: TransportRequest = {
        method: 'GET',
        url: server.url,
        headers: {},
        abort: link,
        get signal() {
          signalReads++;
          return link.signal;
        },
      };
      const res = await transport.request(request);
      const iterator = res.body[Symbol.asyncIterator]();
      assert.equal(Buffer.from((await iterator.next()).value as Uint8Array).toString(), 'chunk');
      link.abort(new Error('client left'));
      await expectTransportError(iterator.next(), 'aborted');
      await upstreamClosed;
      if (options.followsAbort) assert.equal(signalReads, 0, 'no AbortSignal was built');

      server.set(() => {});
      const early = linkAbort([]);
      const pending = transport.request({
        method: 'GET',
        url: server.url,
        headers: {},
        abort: early,
        get signal() {
          return early.signal;
        },
      });
      setImmediate(() => early.abort());
      await expectTransportError(pending, 'aborted', 'request');
    });

    it('rejects with aborted when the client leaves before the headers', async () => {
      server.set(() => {});
      const controller = new AbortController();
      const pending = transport.request({ method: 'GET', url: server.url, headers: {}, signal: controller.signal });
      setImmediate(() => controller.abort());
      await expectTransportError(pending, 'aborted', 'request');
    });
  });
}

runTransportContract('undici', () => createUndiciTransport({ timeouts: { connectMs: 2_000 } }), { followsAbort: true });
runTransportContract('got', () => createGotTransport({ timeouts: { connectMs: 2_000 } }), { followsAbort: false });

describe('undici transport: what it loads', () => {
  it('loads undici Agent and request, not the whole package (fetch, WebSocket, caches, mocks)', async () => {
    assert.equal(undiciLoadedWhole, false, "undici's files moved: the transport fell back to its index");
    // A fresh process: nothing else there loads undici.
    const script = `import('@switchyard/providers').then(() => { const files = Object.keys(require.cache).filter((f) => f.includes('/undici/')); console.log(JSON.stringify(files.map((f) => f.slice(f.lastIndexOf('/undici/') + 8)))); })`;
    const { stdout } = await execFileAsync(process.execPath, ['-e', script], { cwd: fileURLToPath(new URL('.', import.meta.url)) });
    const files = JSON.parse(stdout) as string[];
    assert.ok(files.includes('lib/dispatcher/agent.js') && files.includes('lib/api/api-request.js'), stdout);
    assert.ok(!files.includes('index.js') && !files.some((f) => f.startsWith('lib/web/')), stdout);
  });
});
