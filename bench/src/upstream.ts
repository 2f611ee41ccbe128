/**
 * The local upstream every scenario ends at: an OpenAI-compatible chat completions endpoint that
 * answers at once, so what a scenario measures is the path in front of it, not the model.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** Number of content chunks in a streamed answer (followed by a final chunk and `[DONE]`). */
export const STREAM_CHUNKS = 20;

const MODEL = 'bench-model';
const CREATED = 1_760_000_000;

// A realistic non-streaming answer (~640 bytes), built once: the upstream must cost as little as
// possible so that differences between scenarios are the systems under test.
const completion = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench0000000000000000000000000',
    object: 'chat.completion',
    created: CREATED,
    model: MODEL,
    system_fingerprint: 'fp_bench000000',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'Hello! This is a fixed answer from the local benchmark upstream.',
          refusal: null,
          annotations: [],
        },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: 12,
      completion_tokens: 48,
      total_tokens: 60,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    service_tier: 'default',
  }),
);

function chunk(delta: Record<string, unknown>, finishReason: string | null, usage?: Record<string, number>): string {
  const body: Record<string, unknown> = {
    id: 'chatcmpl-bench0000000000000000000000000',
    object: 'chat.completion.chunk',
    created: CREATED,
    model: MODEL,
    system_fingerprint: 'fp_bench000000',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
  if (usage) body.usage = usage;
  return `data: ${JSON.stringify(body)}\n\n`;
}

// The SSE events of a streamed answer: a role chunk, STREAM_CHUNKS - 1 content chunks, a final
// chunk with finish_reason and usage, then `[DONE]`; STREAM_CHUNKS + 2 events in all.
/** The SSE events of a streamed answer, in order; the held upstream sends the same bytes, spaced out. */
export const STREAM_EVENTS: readonly Buffer[] = [
  chunk({ role: 'assistant', content: '', refusal: null }, null),
  ...Array.from({ length: STREAM_CHUNKS - 1 }, (_, i) => chunk({ content: `token${i} ` }, null)),
  chunk({}, 'stop', { prompt_tokens: 12, completion_tokens: STREAM_CHUNKS, total_tokens: 12 + STREAM_CHUNKS }),
  'data: [DONE]\n\n',
].map((s) => Buffer.from(s));

/** Bytes of the JSON answer and of the whole SSE answer, for the README and sanity checks. */
export const UPSTREAM_SIZES = {
  json: completion.length,
  stream: STREAM_EVENTS.reduce((n, b) => n + b.length, 0),
};

/**
 * Markers the soak (bench/src/soak-traffic.ts) puts in a user message to make this upstream fail:
 * `error` answers 500 before any byte of the answer; `cut` (streams) sends the first few events,
 * then destroys the connection mid-stream. Under {@link HEALTHY_PREFIX} the markers are ignored,
 * so a gateway's second provider pointed there answers what its first one failed.
 */
export const UPSTREAM_FAULTS = { error: '[bench-upstream-error]', cut: '[bench-upstream-cut]' } as const;
const CUT_AFTER_EVENTS = 5;

/** A path prefix under which the upstream answers the same, but never fails on purpose. */
export const HEALTHY_PREFIX = '/healthy';
const upstreamError = Buffer.from('{"error":{"message":"bench upstream failure","type":"server_error"}}');

const models = Buffer.from(JSON.stringify({ object: 'list', data: [{ id: MODEL, object: 'model', created: CREATED, owned_by: 'bench' }] }));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

/**
 * Answers one request like the upstream: JSON, or the whole SSE stream at once. `streamBody`,
 * when given, writes the stream instead (after the 200 and its headers).
 */
export async function handleUpstream(req: IncomingMessage, res: ServerResponse, streamBody?: (res: ServerResponse) => void): Promise<void> {
  const full = (req.url ?? '/').split('?')[0];
  const healthy = full.startsWith(`${HEALTHY_PREFIX}/`);
  const path = healthy ? full.slice(HEALTHY_PREFIX.length) : full;
  if (req.method === 'GET' && path === '/v1/models') return send(res, 200, models);
  if (req.method !== 'POST' || path !== '/v1/chat/completions') {
    req.resume();
    return send(res, 404, Buffer.from('{"error":{"message":"not found","type":"invalid_request_error"}}'));
  }
  let stream = false;
  let text: string;
  try {
    text = await readBody(req);
    stream = (JSON.parse(text) as { stream?: unknown }).stream === true;
  } catch {
    return send(res, 400, Buffer.from('{"error":{"message":"invalid JSON","type":"invalid_request_error"}}'));
  }
  if (!healthy && text.includes(UPSTREAM_FAULTS.error)) return send(res, 500, upstreamError);
  if (!stream) return send(res, 200, completion);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  if (streamBody) return streamBody(res);
  if (!healthy && text.includes(UPSTREAM_FAULTS.cut)) {
    for (const event of STREAM_EVENTS.slice(0, CUT_AFTER_EVENTS)) res.write(event);
    setImmediate(() => res.destroy());
    return;
  }
  // One write per event, all in the same tick: "sent at once", but still separate chunks.
  for (const event of STREAM_EVENTS) res.write(event);
  res.end();
}

/**
 * An HTTP server answering `POST /v1/chat/completions` (JSON, or SSE when `stream: true`) and
 * `GET /v1/models`. Not listening yet.
 * @example
 * const server = createUpstreamServer();
 * server.listen(0, '127.0.0.1');
 */
export function createUpstreamServer(): Server {
  const server = createServer((req, res) => {
    handleUpstream(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 60_000;
  return server;
}
