import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { isGatewayError, renderOpenAIError, toGatewayError, type RouteRequest } from '@switchyard/core';
import { resolveStatusOptions, watchStatus, type ProviderStatusOptions } from './provider-status.js';

/** Options of {@link attachStatusWebSocket}. */
export interface StatusWebSocketOptions extends ProviderStatusOptions {
  /** Path the WebSocket answers on. Defaults to "/v1/providers/health/stream". */
  path?: string;
}

/** A running status WebSocket endpoint. */
export interface StatusWebSocket {
  /** Connected clients. */
  readonly clients: number;
  /** Close every client (1001 going away) and stop listening for upgrades. */
  close(): Promise<void>;
}

/** WebSocket close code for a key revoked while connected (4000-4999: application codes). */
export const CLOSE_KEY_REVOKED = 4001;

/**
 * The provider status stream as a WebSocket (the `ws` package) on an existing HTTP server:
 * the standalone gateway's, or your app's (`app.listen()` returns it). The caller is
 * authenticated at upgrade (`Authorization: Bearer …` through `access`; a refusal is an HTTP
 * 401/403 before any WebSocket frame). It gets a `snapshot` message, then
 * `{"type":"provider_status_change","provider":…,"status":…}` for the providers its key may
 * see. The server pings every `keepAliveMs` and drops a client that did not answer the last
 * ping; a client with more than `maxBufferedBytes` unsent is dropped (it never slows the others);
 * a revoked key's socket is closed with code 4001. The `ws` package is loaded by the first
 * upgrade to `path`: a gateway nobody watches this way does not carry it.
 *
 * @example
 * const server = app.listen(8787);
 * attachStatusWebSocket(server, { health, figures, events, access });
 */
export function attachStatusWebSocket(server: Server, options: StatusWebSocketOptions): StatusWebSocket {
  const o = resolveStatusOptions(options);
  const path = options.path ?? '/v1/providers/health/stream';
  let wss: WebSocketServer | undefined;
  let loading: Promise<WebSocketServer> | undefined;
  const webSocketServer = () => (loading ??= import('ws').then(({ WebSocketServer }) => (wss = new WebSocketServer({ noServer: true, maxPayload: 4096 }))));
  let closed = false;
  const alive = new WeakSet<WebSocket>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== path) {
      // Another upgrade listener may own this path; alone, refuse it instead of leaving it hanging.
      if (server.listenerCount('upgrade') === 1)
        refuse(socket, 404, { error: { message: `No WebSocket at ${url.pathname}`, type: 'invalid_request_error', code: 'unknown_route' } });
      return;
    }
    const request: RouteRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      params: {},
      query: url.searchParams,
      headers: req.headers,
      json: async () => ({}),
      context: req,
    };
    Promise.resolve()
      .then(() => Promise.all([o.access(request), webSocketServer()]))
      .then(
        ([principal, sockets]) => {
          if (closed) return void refuse(socket, 503, { error: { message: 'Server closing', type: 'server_error', code: 'unavailable' } });
          sockets.handleUpgrade(req, socket, head, (ws) => serve(ws, principal));
        },
        (err) => {
          const error = isGatewayError(err) ? err : toGatewayError(err);
          refuse(socket, error.status, renderOpenAIError(error));
        },
      );
  };

  const serve = (ws: WebSocket, principal: Awaited<ReturnType<typeof o.access>>) => {
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    ws.on('error', () => ws.terminate());
    const off = watchStatus(
      o,
      principal,
      (message) => {
        if (ws.readyState !== ws.OPEN) return;
        // A consumer this far behind is dropped rather than buffered for without bound.
        if (ws.bufferedAmount > o.maxBufferedBytes) return void ws.terminate();
        ws.send(JSON.stringify(message));
      },
      () => ws.close(CLOSE_KEY_REVOKED, 'API key revoked'),
    );
    ws.once('close', off);
  };

  const keepAlive = setInterval(() => {
    for (const ws of wss?.clients ?? []) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, o.keepAliveMs);
  keepAlive.unref();
  server.on('upgrade', onUpgrade);

  return {
    get clients() {
      return wss?.clients.size ?? 0;
    },
    async close() {
      closed = true;
      server.off('upgrade', onUpgrade);
      clearInterval(keepAlive);
      const running = await loading?.catch(() => undefined);
      if (!running) return;
      for (const ws of running.clients) ws.close(1001, 'server closing');
      await new Promise<void>((resolve) => running.close(() => resolve()));
    },
  };
}

/** Answer an upgrade request with a plain HTTP error and close the socket. */
function refuse(socket: Duplex, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : status === 503 ? 'Service Unavailable' : 'Error'}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n` +
      (status === 401 ? 'WWW-Authenticate: Bearer\r\n' : '') +
      `\r\n${text}`,
  );
}
