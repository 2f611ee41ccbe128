/**
 * A misbehaving LLM upstream on 127.0.0.1 that speaks the OpenAI Chat Completions wire
 * (`/v1/chat/completions`) and the Anthropic Messages wire (`/v1/messages`), for the fault
 * scenarios. Its answer is a fixed text; a request whose last message is an assistant prefill
 * the server accepts (Anthropic natively; OpenAI-compatible with vLLM's
 * `continue_final_message` or DeepSeek / Mistral `prefix: true`) gets the rest of that text,
 * as a real model continuing its own answer would.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The answer every healthy upstream gives: 60 words. */
export const ANSWER = Array.from({ length: 60 }, (_, i) => `word${i + 1}`).join(' ') + '.';

export interface LlmRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, any>;
  /** The assistant prefill this request asks to continue, when the server honours it. */
  prefill?: string;
  /** Whether the request carried an assistant message last (honoured or not). */
  trailingAssistant: boolean;
  closed: Promise<void>;
}

/** What to do with one request. */
export type Conduct =
  | { do: 'answer'; text?: string; words?: number; delayMs?: number }
  | { do: 'status'; status: number; body: unknown; headers?: Record<string, string> }
  | { do: 'reset' }
  | { do: 'silent' }
  | { do: 'first-token-after'; ms: number }
  /** Stream this many words, then: cut the socket / stall / send a malformed event / end without the terminal event. */
  | { do: 'break'; afterWords: number; how: 'cut' | 'stall' | 'malformed' | 'no-terminal' };

export interface FaultyLlm {
  url: string;
  name: string;
  requests: LlmRequest[];
  /** Conduct per request, by its 0-based number among requests since the last `set`. */
  set(conduct: Conduct | ((req: LlmRequest, n: number) => Conduct)): void;
  /** Change how it takes a prefill (e.g. to refuse one). */
  prefill(style: PrefillStyle): void;
  close(): Promise<void>;
}

/** How an OpenAI-compatible server takes a prefill; none: it answers the history anew. */
export type PrefillStyle = 'native' | 'continue_final_message' | 'prefix' | 'none' | 'reject';

export async function startFaultyLlm(name: string, initialStyle: PrefillStyle = 'none'): Promise<FaultyLlm> {
  let prefillStyle = initialStyle;
  let conduct: (req: LlmRequest, n: number) => Conduct = () => ({ do: 'answer' });
  let count = 0;
  const requests: LlmRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const c of req) raw += c;
    const body = raw ? JSON.parse(raw) : {};
    const messages: any[] = Array.isArray(body.messages) ? body.messages : [];
    const last = messages[messages.length - 1];
    const trailingAssistant = last?.role === 'assistant';
    const lastText = typeof last?.content === 'string' ? last.content : Array.isArray(last?.content) ? last.content.map((b: any) => b.text ?? '').join('') : '';
    const honoured =
      trailingAssistant &&
      (prefillStyle === 'native' ||
        (prefillStyle === 'continue_final_message' && body.continue_final_message === true && body.add_generation_prompt === false) ||
        (prefillStyle === 'prefix' && last.prefix === true));
    const request: LlmRequest = {
      path: req.url ?? '',
      headers: req.headers,
      body,
      trailingAssistant,
      ...(honoured ? { prefill: lastText } : {}),
      closed: new Promise((r) => res.on('close', () => r())),
    };
    requests.push(request);
    const anthropic = (req.url ?? '').endsWith('/messages');
    if (trailingAssistant && prefillStyle === 'reject') {
      return status(
        res,
        400,
        anthropic
          ? { type: 'error', error: { type: 'invalid_request_error', message: 'This model does not support assistant message prefill.' } }
          : { error: { message: 'Assistant message prefill is not supported.', type: 'invalid_request_error', code: null, param: 'messages' } },
      );
    }
    await play(conduct(request, count++), request, anthropic, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    name,
    requests,
    set(next) {
      conduct = typeof next === 'function' ? next : () => next;
      count = 0;
      requests.length = 0;
    },
    prefill(style) {
      prefillStyle = style;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function status(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The words of the answer still to say: all of it, or what follows an honoured prefill. */
function remainder(req: LlmRequest, text: string): string {
  if (req.prefill === undefined) return text;
  const prefill = req.prefill;
  return text.startsWith(prefill) ? text.slice(prefill.length) : text;
}

/** Split into streamable pieces of one word each (keeping the spaces). */
function pieces(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

async function play(c: Conduct, req: LlmRequest, anthropic: boolean, res: ServerResponse): Promise<void> {
  const model = String(req.body.model ?? 'm');
  if (c.do === 'status') return status(res, c.status, c.body, c.headers);
  if (c.do === 'reset') return void res.socket?.destroy();
  if (c.do === 'silent') return req.closed;
  const text = c.do === 'answer' && c.text !== undefined ? c.text : ANSWER;
  const rest = remainder(req, text);
  const words = pieces(rest);
  if (req.body.stream !== true) {
    if (c.do === 'first-token-after') await Promise.race([sleep(c.ms), req.closed]);
    if (res.destroyed) return;
    return status(res, 200, anthropic ? anthropicMessage(model, rest, words.length) : openaiCompletion(model, rest, words.length));
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  const w = anthropic ? anthropicWire(model) : openaiWire(model, req.body.stream_options?.include_usage === true);
  if (c.do === 'first-token-after') await Promise.race([sleep(c.ms), req.closed]);
  if (res.destroyed) return;
  res.write(w.open());
  for (const [i, piece] of words.entries()) {
    if (c.do === 'break' && i === c.afterWords) {
      await sleep(20); // what was written has left before the fault
      if (c.how === 'cut') return void res.socket?.destroy();
      if (c.how === 'stall') return req.closed;
      if (c.how === 'malformed') {
        res.write('data: {"id":"x","choices":[{"delta":{"content":"lost wo\n\n');
        return req.closed;
      }
      return void res.end(); // no terminal event
    }
    res.write(w.text(piece));
    if (c.do === 'answer' && c.delayMs) await sleep(c.delayMs);
  }
  res.end(w.close(words.length));
}

function openaiWire(model: string, includeUsage: boolean) {
  const base = { id: 'chatcmpl-faulty', object: 'chat.completion.chunk', created: 1_760_000_000, model };
  const chunk = (delta: unknown, finish: string | null = null) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  return {
    open: () => chunk({ role: 'assistant', content: '' }),
    text: (t: string) => chunk({ content: t }),
    close: (n: number) =>
      chunk({}, 'stop') +
      (includeUsage ? `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 9, completion_tokens: n, total_tokens: 9 + n } })}\n\n` : '') +
      'data: [DONE]\n\n',
  };
}

function anthropicWire(model: string) {
  const ev = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  return {
    open: () =>
      ev('message_start', {
        message: {
          id: 'msg_faulty',
          type: 'message',
          role: 'assistant',
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 9, output_tokens: 1 },
        },
      }) + ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    text: (t: string) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: t } }),
    close: (n: number) =>
      ev('content_block_stop', { index: 0 }) +
      ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: n } }) +
      ev('message_stop', {}),
  };
}

function openaiCompletion(model: string, text: string, n: number) {
  return {
    id: 'chatcmpl-faulty',
    object: 'chat.completion',
    created: 1_760_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 9, completion_tokens: n, total_tokens: 9 + n },
  };
}

function anthropicMessage(model: string, text: string, n: number) {
  return {
    id: 'msg_faulty',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 9, output_tokens: n },
  };
}
