import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/** What a fixture server saw, for assertions. */
export interface FixtureState {
  /** Names of tools called, in order. */
  calls: string[];
  /** Upstream sessions opened / ended (DELETE or transport close). */
  opened: number;
  closed: number;
  /** Tool calls whose request was cancelled by the caller. */
  cancelled: number;
  /** Header values the server received on initialize (to check configured credentials arrive). `Bearer rejected` is answered 401. */
  authorization: (string | undefined)[];
}

/** A real MCP server on 127.0.0.1 for tests and examples. */
export interface FixtureServer {
  readonly url: string;
  readonly state: FixtureState;
  close(): Promise<void>;
}

/**
 * An MCP server with tools `whoami` (answers its name), `echo`, `slow` (reports progress),
 * `wait` (until cancelled) and `add_tool` (registers a tool, announcing the list change), a
 * prompt `greet` and a resource `<name>://readme`.
 */
export function fixtureMcpServer(name: string, state: FixtureState): McpServer {
  const server = new McpServer({ name, version: '1.0.0' });
  const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });
  server.registerTool('whoami', { description: `Name of the ${name} server` }, async () => {
    state.calls.push('whoami');
    return text(name);
  });
  server.registerTool('echo', { description: 'Echo text', inputSchema: { text: z.string() } }, async ({ text: t }) => {
    state.calls.push('echo');
    return text(`${name}: ${t}`);
  });
  server.registerTool('slow', { description: 'Report progress 3 times', inputSchema: { steps: z.number().int().min(1).max(10) } }, async ({ steps }, extra) => {
    state.calls.push('slow');
    const token = extra._meta?.progressToken;
    for (let i = 1; i <= steps; i++) {
      if (token !== undefined)
        await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: steps, message: `step ${i}` } });
      await new Promise((r) => setTimeout(r, 10));
    }
    return text(`done in ${steps}`);
  });
  server.registerTool('wait', { description: 'Wait until cancelled' }, async (extra) => {
    state.calls.push('wait');
    await new Promise<void>((resolve) => {
      if (extra.signal.aborted) return resolve();
      extra.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    state.cancelled++;
    return text('cancelled');
  });
  let added = 0;
  server.registerTool('add_tool', { description: 'Register one more tool' }, async (extra) => {
    state.calls.push('add_tool');
    const tool = `extra_${++added}`;
    server.registerTool(tool, { description: 'added at run time' }, async () => text(tool));
    // Sent on this request's response stream as well, so the announcement cannot be missed.
    await extra.sendNotification({ method: 'notifications/tools/list_changed' });
    return text(tool);
  });
  server.registerPrompt('greet', { description: 'A greeting', argsSchema: { who: z.string() } }, ({ who }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `${name} greets ${who}` } }],
  }));
  server.registerResource('readme', `${name}://readme`, { mimeType: 'text/plain' }, async (uri) => ({
    contents: [{ uri: uri.href, text: `readme of ${name}` }],
  }));
  return server;
}

function emptyState(): FixtureState {
  return { calls: [], opened: 0, closed: 0, cancelled: 0, authorization: [] };
}

async function listen(server: Server, port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * A Streamable HTTP MCP server (stateful sessions) at `<url>/mcp` on 127.0.0.1, on `port`
 * (defaults to a free one).
 * @example const alpha = await startStreamableHttpFixture('alpha'); // alpha.url = http://127.0.0.1:PORT/mcp
 */
export async function startStreamableHttpFixture(name: string, port = 0): Promise<FixtureServer> {
  const state = emptyState();
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const id = req.headers['mcp-session-id'];
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      let transport = typeof id === 'string' ? sessions.get(id) : undefined;
      if (!transport) {
        if (id !== undefined || !isInitializeRequest(body)) {
          res.writeHead(id !== undefined ? 404 : 400).end();
          return;
        }
        state.authorization.push(req.headers.authorization);
        if (req.headers.authorization === 'Bearer rejected') {
          res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
          return;
        }
        const created = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (sid) => {
            sessions.set(sid, created);
            state.opened++;
          },
        });
        created.onclose = () => {
          if (created.sessionId && sessions.delete(created.sessionId)) state.closed++;
        };
        await fixtureMcpServer(name, state).connect(created);
        transport = created;
      }
      await transport.handleRequest(req, res, body);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const base = await listen(http, port);
  return {
    url: `${base}/mcp`,
    state,
    async close() {
      await Promise.all([...sessions.values()].map((t) => t.close().catch(() => {})));
      await closeServer(http);
    },
  };
}

/**
 * An MCP server on the older HTTP+SSE transport (`GET <url>` opens the stream, POSTs go to
 * the endpoint it announces) on 127.0.0.1.
 * @example const beta = await startSseFixture('beta'); // beta.url = http://127.0.0.1:PORT/sse
 */
export async function startSseFixture(name: string): Promise<FixtureServer> {
  const state = emptyState();
  const sessions = new Map<string, SSEServerTransport>();
  const http = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'GET' && url.pathname === '/sse') {
        state.authorization.push(req.headers.authorization);
        const transport = new SSEServerTransport('/messages', res);
        sessions.set(transport.sessionId, transport);
        state.opened++;
        transport.onclose = () => {
          if (sessions.delete(transport.sessionId)) state.closed++;
        };
        await fixtureMcpServer(name, state).connect(transport);
        return;
      }
      const transport = sessions.get(url.searchParams.get('sessionId') ?? '');
      if (req.method === 'POST' && url.pathname === '/messages' && transport) return transport.handlePostMessage(req, res);
      res.writeHead(404).end();
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const base = await listen(http);
  return {
    url: `${base}/sse`,
    state,
    async close() {
      await Promise.all([...sessions.values()].map((t) => t.close().catch(() => {})));
      await closeServer(http);
    },
  };
}

/** Path of a stdio MCP server script (tools `whoami`, `echo`, …, name `local`), run with `node`. */
export const stdioFixturePath = new URL('./test-fixtures/stdio-server.js', import.meta.url).pathname;
