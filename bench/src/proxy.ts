/**
 * The baseline: the least a Node proxy can do. It pipes the request to the upstream over a
 * keep-alive agent and pipes the response back, with no parsing, no middleware, no logging.
 * Whatever the gateway adds beyond this is the gateway's own cost.
 * @module
 */
import { Agent, createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';

// RFC 9110 section 7.6.1: hop-by-hop fields belong to one connection and must not be forwarded.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

/**
 * A pass-through proxy to `upstream` (origin only, e.g. `http://127.0.0.1:4000`). Not listening yet.
 * Closing the server does not close the agent's pooled sockets; call `agent.destroy()` too.
 * @example
 * const { server, agent } = createProxyServer('http://127.0.0.1:4000');
 * server.listen(0, '127.0.0.1');
 */
export function createProxyServer(upstream: string): { server: Server; agent: Agent } {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true, keepAliveMsecs: 10_000, scheduling: 'lifo' });
  const server = createServer((req, res) => {
    const outgoing = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...endToEnd(req.headers), host: target.host },
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, endToEnd(upstreamRes.headers));
        upstreamRes.pipe(res);
        // An answer the upstream cut short is cut short to the client too (pipe alone would leave it open).
        upstreamRes.on('close', () => {
          if (!upstreamRes.complete) res.destroy();
        });
      },
    );
    outgoing.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end();
    });
    res.on('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    req.pipe(outgoing);
  });
  server.keepAliveTimeout = 60_000;
  return { server, agent };
}
