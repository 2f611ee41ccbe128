/**
 * A scriptable upstream on 127.0.0.1 that speaks whatever wire format a test scripts: it records
 * every request (path, headers, parsed body) and answers with the next scripted reply.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  raw: string;
}

/** One scripted answer. */
export type Reply =
  | { status?: number; headers?: Record<string, string>; json: unknown }
  | { status?: number; headers?: Record<string, string>; text: string }
  /** SSE frames written one by one (each already framed); `cutAfter` destroys the socket after that many frames. */
  | { status?: number; headers?: Record<string, string>; sse: string[]; cutAfter?: number; delayMs?: number };

export type Responder = (request: RecordedRequest) => Reply;

export interface Upstream {
  url: string;
  requests: RecordedRequest[];
  /** Answer every following request with this. */
  respond(responder: Responder | Reply): void;
  /** Requests whose connection closed before the response ended (client aborted). */
  aborted: number;
  close(): Promise<void>;
}

export async function startUpstream(initial?: Responder | Reply): Promise<Upstream> {
  let responder: Responder = toResponder(initial ?? { status: 500, json: { error: { message: 'no reply scripted' } } });
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const state = { aborted: 0 };
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> = {};
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      body = {};
    }
    const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, raw };
    requests.push(recorded);
    res.on('close', () => {
      if (!res.writableFinished) state.aborted++;
    });
    const reply = responder(recorded);
    const status = reply.status ?? 200;
    if ('json' in reply) {
      const text = JSON.stringify(reply.json);
      res.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
      res.end(text);
      return;
    }
    if ('text' in reply) {
      res.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.text);
      return;
    }
    res.writeHead(status, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...reply.headers });
    // A cut happens after what was written has really left (a destroy drops unflushed writes).
    const cut = async () => {
      await new Promise((r) => setTimeout(r, 20));
      req.socket.destroy();
    };
    for (let i = 0; i < reply.sse.length; i++) {
      if (reply.cutAfter !== undefined && i >= reply.cutAfter) return cut();
      if (res.destroyed) return;
      await new Promise<void>((r) => res.write(reply.sse[i], () => r()));
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    }
    if (reply.cutAfter !== undefined && reply.cutAfter >= reply.sse.length) return cut();
    res.end();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond(next) {
      responder = toResponder(next);
    },
    get aborted() {
      return state.aborted;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function toResponder(r: Responder | Reply): Responder {
  return typeof r === 'function' ? r : () => r;
}

/** Frame a JSON object (or the literal [DONE]) as one SSE event. */
export function sse(data: unknown, event?: string): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return `${event ? `event: ${event}\n` : ''}data: ${text}\n\n`;
}

/** Split a recorded SSE transcript into frames (each ending with its blank line). */
export function framesOf(transcript: string): string[] {
  return transcript
    .replace(/\r\n/g, '\n')
    .split(/\n\n/)
    .filter((f) => f.trim().length > 0)
    .map((f) => `${f}\n\n`);
}
