import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import express from 'express';
import { Registry } from 'prom-client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { EventBus } from '@switchyard/core';
import { expressRoutes } from '@switchyard/core/express';
import { koaRoutes } from '@switchyard/core/koa';
import { createKeyManager, MemoryKeyStore, type KeyManager, type KeyPolicy } from '@switchyard/auth-key';
import { RateLimiter } from '@switchyard/rate-limit';
import { mcpAdminRoutes } from './admin-routes.js';
import { mcpExpress } from './express.js';
import { mcpKoa } from './koa.js';
import { mcpProfiles, type McpProfiles } from './mcp.js';
import type { McpOptions } from './options.js';
import type { ToolCallRecord } from './tool-call-log.js';
import { startSseFixture, startStreamableHttpFixture, stdioFixturePath, type FixtureServer } from './testing.js';

/** Two real upstream MCP servers (Streamable HTTP `alpha`, SSE `beta`), a stdio one (`local`), and the profiles in front of them. */
export interface Harness {
  alpha: FixtureServer;
  beta: FixtureServer;
  keys: KeyManager;
  mcp: McpProfiles;
  registry: Registry;
  records: ToolCallRecord[];
  /** Base URL of the app serving `/mcp/<profile>`. */
  base: string;
  /** A new key with this policy; returns its secret. */
  key(policy?: KeyPolicy): Promise<{ id: string; secret: string }>;
  /** An official SDK client connected to a profile with a key. */
  connect(profile: string, secret: string): Promise<Client>;
  close(): Promise<void>;
}

/** A loopback port nothing listens on (a dead member). */
export async function deadUrl(path: string): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}

export async function startHarness(overrides: Partial<McpOptions> = {}, framework: 'koa' | 'express' = 'koa'): Promise<Harness> {
  const [alpha, beta] = await Promise.all([startStreamableHttpFixture('alpha'), startSseFixture('beta')]);
  const events = new EventBus();
  const keys = createKeyManager({ store: new MemoryKeyStore(), events });
  const registry = new Registry();
  const records: ToolCallRecord[] = [];
  const dead = await deadUrl('/mcp');
  const mcp = mcpProfiles({
    profiles: [
      {
        name: 'dev',
        description: 'Developer tools',
        members: [
          { name: 'alpha', transport: 'streamable-http', url: alpha.url, headers: { authorization: 'Bearer alpha-token' } },
          { name: 'beta', transport: 'sse', url: beta.url, headers: { authorization: 'Bearer beta-token' } },
          { name: 'local', transport: 'stdio', command: process.execPath, args: [stdioFixturePath, 'local'] },
        ],
      },
      { name: 'ops', members: [{ name: 'alpha', transport: 'streamable-http', url: alpha.url }] },
      { name: 'tight', members: [{ name: 'alpha', transport: 'streamable-http', url: alpha.url, timeoutMs: 300 }] },
      {
        name: 'flaky',
        members: [
          { name: 'alpha', transport: 'streamable-http', url: alpha.url },
          { name: 'gone', transport: 'streamable-http', url: dead },
        ],
      },
    ],
    auth: { keys },
    events,
    allowStdio: true,
    rateLimit: { limiter: new RateLimiter() },
    registry,
    onToolCall: (r) => records.push(r),
    connectTimeoutMs: 5000,
    ...overrides,
  });
  let server: Server;
  if (framework === 'koa') {
    const app = new Koa();
    app.use(koaRoutes(mcpAdminRoutes(mcp), { prefix: '/admin' }));
    app.use(mcpKoa(mcp));
    server = createServer(app.callback());
  } else {
    const app = express();
    app.use(express.json());
    app.use(mcpExpress(mcp));
    app.use('/admin', expressRoutes(mcpAdminRoutes(mcp)));
    server = createServer(app);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: Client[] = [];
  return {
    alpha,
    beta,
    keys,
    mcp,
    registry,
    records,
    base,
    async key(policy = {}) {
      const { record, secret } = await keys.create({ name: 'test', policy });
      return { id: record.id, secret };
    },
    async connect(profile, secret) {
      const client = new Client({ name: 'test-client', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${base}/mcp/${profile}`), { requestInit: { headers: { authorization: `Bearer ${secret}` } } }),
      );
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await mcp.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([alpha.close(), beta.close()]);
      await keys.close();
    },
  };
}

/** Poll until `check` is true (generous: the machine may be busy). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The text of a tool result's first content item. */
export function textOf(result: unknown): string {
  return (result as { content: { text: string }[] }).content[0]!.text;
}
