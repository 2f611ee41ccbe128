import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { errorResponse, formatForPath, GatewayError, LiveList } from '@switchyard/core';

/** A request listener that can stop taking work; see {@link drainable}. */
export interface Drainable {
  readonly listener: RequestListener;
  /** Stop taking work on `server` (call `server.close()` too: it stops new connections). */
  drain(server: Server): void;
}

/**
 * Wrap a request listener for graceful shutdown. Once {@link Drainable.drain} is called, a
 * request that still arrives on an open keep-alive connection is answered 503 with
 * `Connection: close` in the client's format (health probes are still answered, also closing),
 * responses in flight close their connection when they are done, and idle connections are
 * closed at once and whenever one becomes idle, so the drain ends when the last exchange does.
 *
 * @example
 * const drainer = drainable(app.callback());
 * const server = createServer(drainer.listener);
 * process.once('SIGTERM', () => { server.close(); drainer.drain(server); });
 */
export function drainable(listener: RequestListener, isHealthCheck: (path: string) => boolean = (path) => path.startsWith('/health/')): Drainable {
  // A LiveList, not a Set: a Set that each response passed through pinned every request's objects until a full GC.
  const inFlight = new LiveList<ServerResponse>();
  let draining: Server | undefined;
  const closeIdle = () => setImmediate(() => draining?.closeIdleConnections());
  return {
    listener(req, res) {
      if (draining) {
        res.setHeader('connection', 'close');
        const path = (req.url ?? '/').split('?', 1)[0]!;
        if (!isHealthCheck(path)) return refuse(req, res, path);
      }
      const entry = inFlight.add(res);
      res.once('close', () => {
        inFlight.delete(entry);
        if (draining) closeIdle();
      });
      listener(req, res);
    },
    drain(server) {
      draining = server;
      for (const res of inFlight.values()) if (!res.headersSent) res.setHeader('connection', 'close');
      server.closeIdleConnections();
    },
  };
}

function refuse(req: IncomingMessage, res: ServerResponse, path: string): void {
  const error = new GatewayError('The gateway is shutting down: retry the request', {
    status: 503,
    code: 'shutting_down',
    headers: { 'retry-after': '1' },
    retryable: true,
  });
  const answer = errorResponse(formatForPath(path) ?? 'openai.chat', error);
  res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
  req.resume(); // the body is not read: let it flow away while the connection closes
}
