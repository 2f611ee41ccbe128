/**
 * Entry point of the child processes: `node child.js <role> [upstreamPort]`, role one of
 * `upstream`, `proxy`, `gateway-undici`, `gateway-got`. The child listens on 127.0.0.1 port 0,
 * reports `{ port }` over IPC, and exits when told (`SIGTERM`) or when the parent goes away
 * (the IPC channel closes), so no server outlives a bench run.
 * @module
 */
import type { Server } from 'node:http';
import { createProxyServer } from './proxy.js';
import { createUpstreamServer } from './upstream.js';

/** Roles a child can play. */
export type ChildRole = 'upstream' | 'proxy' | 'gateway-undici' | 'gateway-got';

/** Messages a child sends its parent. */
export type ChildMessage = { type: 'ready'; port: number } | { type: 'error'; message: string };

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('no TCP port'));
      else resolve(address.port);
    });
  });
}

async function start(role: string, upstreamPort: number): Promise<{ port: number; close(): Promise<void> }> {
  switch (role) {
    case 'upstream': {
      const server = createUpstreamServer();
      const port = await listen(server);
      return { port, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
    }
    case 'proxy': {
      const { server, agent } = createProxyServer(`http://127.0.0.1:${upstreamPort}`);
      const port = await listen(server);
      return { port, close: () => new Promise((r) => { agent.destroy(); server.closeAllConnections(); server.close(() => r()); }) };
    }
    case 'gateway-undici':
    case 'gateway-got': {
      // Loaded only here, so the upstream and proxy children never load the gateway.
      const { startGateway } = await import('./gateway-target.js');
      return startGateway(upstreamPort, role === 'gateway-undici' ? 'undici' : 'got');
    }
    default:
      throw new Error(`unknown role ${role}`);
  }
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

const [role = '', upstreamArg = '0'] = process.argv.slice(2);
let stopping = false;
// The parent owns this process's lifetime: once it goes away, nothing may keep running.
process.on('disconnect', () => process.exit(0));
try {
  const running = await start(role, Number(upstreamArg));
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => process.exit(0), 2_000);
    timer.unref();
    running.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  send({ type: 'ready', port: running.port });
} catch (error) {
  send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}
