/** Test support (not shipped): a fault-injecting upstream on 127.0.0.1. */
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: Record<string, any>;
  /** Arrival, on the test's clock. */
  at: number;
  /** Resolves when the response closed (finished, reset, or the gateway hung up). */
  closed: Promise<void>;
}

/** Answers the n-th request (0-based). */
export type Fault = (req: SeenRequest, res: http.ServerResponse, n: number) => unknown;

export interface FaultServer {
  url: string;
  requests: SeenRequest[];
  /** Requests to a path ending in `suffix`. */
  count(suffix?: string): number;
  set(fault: Fault): void;
  close(): Promise<void>;
}

export async function startFaultServer(clock: () => number = Date.now): Promise<FaultServer> {
  let fault: Fault = (_req, res) => res.end();
  const requests: SeenRequest[] = [];
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    let json: Record<string, any> = {};
    try {
      json = JSON.parse(body);
    } catch {
      // GET requests carry no body
    }
    const seen: SeenRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body,
      json,
      at: clock(),
      closed: once(res, 'close').then(() => undefined),
    };
    const n = requests.push(seen) - 1;
    try {
      await fault(seen, res, n);
    } catch {
      res.destroy();
    }
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    count: (suffix = '') => requests.filter((r) => r.url.endsWith(suffix)).length,
    set(f) {
      fault = f;
      requests.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---- answers -------------------------------------------------------------------------------

export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function openaiError(
  res: http.ServerResponse,
  status: number,
  message: string,
  code: string | null,
  type = 'invalid_request_error',
  headers: Record<string, string> = {},
): void {
  json(res, status, { error: { message, type, code, param: null } }, headers);
}

export function completion(model: string, text: string): Record<string, unknown> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
  };
}

export function chunk(text: string, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: text }, finish_reason: finish }] })}\n\n`;
}

export function sseHead(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
}

/** A healthy OpenAI-compatible upstream: JSON or a three-chunk stream naming `who`. */
export function healthy(who: string): Fault {
  return (req, res) => {
    if (req.method === 'GET') return json(res, 200, { object: 'list', data: [{ id: 'm', object: 'model' }] });
    if (req.json.stream !== true) return json(res, 200, completion(req.json.model, `hello from ${who}`));
    sseHead(res);
    res.write(chunk('hello '));
    res.write(chunk(`from ${who}`));
    res.write(chunk('', 'stop'));
    res.end('data: [DONE]\n\n');
  };
}

export function anthropicEvent(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** The opening of an Anthropic stream: message_start (its usage plus `usage`) and an open text block. */
export function anthropicOpening(inputTokens = 10, usage: Record<string, unknown> = {}): string {
  return (
    anthropicEvent('message_start', {
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: inputTokens, output_tokens: 1, ...usage },
      },
    }) + anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } })
  );
}

export function anthropicText(text: string, index = 0): string {
  return anthropicEvent('content_block_delta', { index, delta: { type: 'text_delta', text } });
}

export function anthropicClosing(outputTokens: number, index = 0): string {
  return (
    anthropicEvent('content_block_stop', { index }) +
    anthropicEvent('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: outputTokens } }) +
    anthropicEvent('message_stop', {})
  );
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
