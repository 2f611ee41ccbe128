/**
 * Entry point of the child processes: `node child.js <role> [upstreamPort] [extra...]`, role one
 * of `upstream`, `upstream-held` (extra: intervalMs maxHoldMs), `proxy`, `gateway-undici`,
 * `gateway-got` (extra: upstream connections, 0 for the transport's default), `gateway-workers` (the
 * CLI with `--workers 2` as a grandchild process tree, whose CPU and RSS the stats add). The child listens
 * on 127.0.0.1 port 0, reports `{ port }` over IPC, answers `stats` (its memory, after a forced
 * GC when asked and run with `--expose-gc`) and `release` (held upstream) requests, and exits
 * when told (`SIGTERM`) or when the parent goes away (the IPC channel closes), so no server
 * outlives a bench run.
 * @module
 */
import { readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createHeldUpstreamServer } from './held-upstream.js';
import { promotionMeter } from './promotion.js';
import { createProxyServer } from './proxy.js';
import { createUpstreamServer } from './upstream.js';

/** Roles a child can play. */
export type ChildRole = 'upstream' | 'upstream-held' | 'proxy' | 'koa-undici' | 'gateway-undici' | 'gateway-full' | 'gateway-got' | 'gateway-workers';

/** A child's memory, from `process.memoryUsage()`, bytes. */
export interface ChildMemory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** Requests a parent sends a child; the answer carries the same `id`. */
export type ChildRequest = { type: 'stats'; id: number; gc: boolean } | { type: 'release'; id: number };

/** Messages a child sends its parent. */
export type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'error'; message: string }
  | { type: 'stats'; id: number; memory: ChildMemory; gc: boolean; fds: number; cpuUs: number; promotedBytes: number; openStreams?: number }
  | { type: 'released'; id: number; count: number };

interface Running {
  port: number;
  close(): Promise<void>;
  openStreams?(): number;
  release?(): number;
  /** CPU µs and RSS bytes of processes this child started (the cluster's), added to its own. */
  descendants?: { cpuUs(): number; rss(): number };
}

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

async function start(role: string, upstreamPort: number, extra: readonly string[]): Promise<Running> {
  switch (role) {
    case 'upstream': {
      const server = createUpstreamServer();
      const port = await listen(server);
      return {
        port,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      };
    }
    case 'upstream-held': {
      const held = createHeldUpstreamServer({ intervalMs: Number(extra[0] ?? 2_000), maxHoldMs: Number(extra[1] ?? 60_000) });
      const port = await listen(held.server);
      return {
        port,
        openStreams: held.open,
        release: held.release,
        close: () =>
          new Promise((r) => {
            held.release();
            held.server.closeAllConnections();
            held.server.close(() => r());
          }),
      };
    }
    case 'proxy': {
      const { server, agent } = createProxyServer(`http://127.0.0.1:${upstreamPort}`);
      const port = await listen(server);
      return {
        port,
        close: () =>
          new Promise((r) => {
            agent.destroy();
            server.closeAllConnections();
            server.close(() => r());
          }),
      };
    }
    case 'koa-undici': {
      const { createKoaBaseline } = await import('./koa-baseline.js');
      const { server, close } = createKoaBaseline(`http://127.0.0.1:${upstreamPort}`);
      const port = await listen(server);
      return {
        port,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections();
            server.close(() => void close().finally(r));
          }),
      };
    }
    case 'gateway-undici':
    case 'gateway-full':
    case 'gateway-got': {
      // Loaded only here, so the upstream and proxy children never load the gateway.
      const { startGateway } = await import('./gateway-target.js');
      const connections = Number(extra[0] ?? 0);
      return startGateway(upstreamPort, role === 'gateway-got' ? 'got' : 'undici', {
        ...(connections > 0 ? { upstreamConnections: connections } : {}),
        fullStack: role === 'gateway-full',
      });
    }
    case 'gateway-workers': {
      const { startCluster } = await import('./cluster-target.js');
      const cluster = await startCluster(upstreamPort, 2, process.cwd());
      return { port: cluster.port, close: () => cluster.close(), descendants: cluster };
    }
    default:
      throw new Error(`unknown role ${role}`);
  }
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

// Counted from start: the harness reads it around each measured load (this process only, not a cluster's workers).
const promotion = promotionMeter();

// gc exists only when the parent started this child with --expose-gc.
const gc = (globalThis as { gc?: () => void }).gc;

function memory(): ChildMemory {
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external, arrayBuffers };
}

// Open descriptors (sockets, files, pipes), Linux only; -1 elsewhere.
function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

function answer(running: Running, request: ChildRequest): void {
  if (request.type === 'stats') {
    const collected = request.gc && gc !== undefined;
    if (collected) gc();
    const open = running.openStreams?.();
    const { user, system } = process.cpuUsage();
    const own = memory();
    const extra = running.descendants;
    const mem = extra ? { ...own, rss: own.rss + extra.rss() } : own;
    const cpuUs = user + system + (extra?.cpuUs() ?? 0);
    const promoted = promotion.read();
    send({
      type: 'stats',
      id: request.id,
      memory: mem,
      gc: collected,
      fds: openFds(),
      cpuUs,
      promotedBytes: promoted,
      ...(open === undefined ? {} : { openStreams: open }),
    });
  } else if (request.type === 'release') {
    send({ type: 'released', id: request.id, count: running.release?.() ?? 0 });
  }
}

const [role = '', upstreamArg = '0', ...extra] = process.argv.slice(2);
let stopping = false;
// The parent owns this process's lifetime: once it goes away, nothing may keep running.
process.on('disconnect', () => process.exit(0));
try {
  const running = await start(role, Number(upstreamArg), extra);
  process.on('message', (request: ChildRequest) => answer(running, request));
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
