/**
 * Same-format streams through the composed gateway (issue 14's pass-through): a recorded
 * upstream stream reaches the client byte for byte, whatever the upstream's read boundaries;
 * one that breaks mid-way still ends with an in-band error in the client's format, never as a
 * complete answer.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fixture, fixtureText, startGateway, type RunningGateway } from '../support/gateway.js';
import { framesOf } from '../support/upstream.js';

const OPENAI_STREAM = fixture<{ response_sse: string }>('chat-structured-output-stream.json').response_sse;
const ANTHROPIC_STREAM = fixtureText('basic_response.sse');

/** How the upstream answers the next stream: whole, or cut (socket destroyed) after some frames. */
let cutAfterFrames: number | undefined;
let upstreamRequests = 0;
let upstream: Server;
let gw: RunningGateway;

/** Write `text` in small pieces on separate turns, so event and even UTF-8 boundaries fall inside reads. */
async function writeInPieces(res: ServerResponse, text: string): Promise<void> {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += 37) {
    res.write(bytes.subarray(at, at + 37));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: Array<{ role: string }> };
  upstreamRequests++;
  if (body.messages.at(-1)?.role === 'assistant') {
    // A continuation of a cut stream: refused, so the client must see the original break.
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end('{"type":"error","error":{"type":"api_error","message":"no continuation here"}}');
    return;
  }
  const transcript = req.url === '/v1/messages' ? ANTHROPIC_STREAM : OPENAI_STREAM;
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  if (cutAfterFrames === undefined) {
    await writeInPieces(res, transcript);
    res.end();
    return;
  }
  await writeInPieces(res, framesOf(transcript).slice(0, cutAfterFrames).join(''));
  await new Promise((resolve) => setTimeout(resolve, 20));
  req.socket.destroy();
}

before(async () => {
  upstream = createServer((req, res) => void answer(req, res));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gw = await startGateway({
    config: {
      storage: { sqlite_path: ':memory:' },
      ai_gateway: {
        providers: [
          { name: 'compat', type: 'openai-compatible', base_url: `${base}/v1`, models: ['gpt-4o-2024-08-06'] },
          { name: 'claude', type: 'anthropic', base_url: base, api_key: 'sk-ant-upstream-passthrough', models: ['claude-opus-4-8'] },
        ],
      },
    },
  });
});

after(async () => {
  await gw.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

async function post(path: string, body: Record<string, unknown>): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(gw.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

const openaiRequest = {
  model: 'gpt-4o-2024-08-06',
  messages: [{ role: 'user', content: 'Weather in SF?' }],
  stream: true,
  stream_options: { include_usage: true },
};
const anthropicRequest = { model: 'claude-opus-4-8', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }], stream: true };

describe('same-format streams pass through', () => {
  test('OpenAI client, OpenAI-compatible provider: the recorded stream arrives byte for byte', async () => {
    cutAfterFrames = undefined;
    const res = await post('/v1/chat/completions', openaiRequest);
    assert.equal(res.status, 200);
    assert.match(String(res.type), /^text\/event-stream/);
    assert.equal(res.text, OPENAI_STREAM);
  });

  test('OpenAI client that did not ask for usage: the same bytes without the usage chunk the gateway asked for', async () => {
    cutAfterFrames = undefined;
    const { stream_options: _asked, ...request } = openaiRequest;
    const res = await post('/v1/chat/completions', request);
    assert.equal(res.status, 200);
    const frames = framesOf(OPENAI_STREAM);
    assert.match(frames.at(-2)!, /"choices":\[\],"usage":\{/);
    assert.equal(res.text, [...frames.slice(0, -2), frames.at(-1)!].join(''));
  });

  test('Anthropic client, Anthropic provider: the recorded stream arrives byte for byte', async () => {
    cutAfterFrames = undefined;
    const res = await post('/v1/messages', anthropicRequest);
    assert.equal(res.status, 200);
    assert.equal(res.text, ANTHROPIC_STREAM);
  });

  test('an OpenAI stream broken mid-way: the events before the break as sent, then an in-band error, no [DONE]', async () => {
    cutAfterFrames = 4;
    const before = upstreamRequests;
    const res = await post('/v1/chat/completions', openaiRequest);
    assert.equal(res.status, 200);
    const sent = framesOf(OPENAI_STREAM).slice(0, 4).join('');
    assert.ok(res.text.startsWith(sent), res.text);
    const rest = framesOf(res.text.slice(sent.length));
    assert.equal(rest.length, 1, res.text);
    const error = JSON.parse(rest[0]!.replace(/^data: /, '')) as { error: { message: string; type: string } };
    assert.equal(typeof error.error.message, 'string');
    assert.doesNotMatch(res.text, /\[DONE\]/);
    assert.ok(upstreamRequests > before);
  });

  test('an Anthropic stream broken mid-way: the events before the break as sent, then event: error, no message_stop', async () => {
    cutAfterFrames = 5;
    const res = await post('/v1/messages', anthropicRequest);
    assert.equal(res.status, 200);
    const sent = framesOf(ANTHROPIC_STREAM).slice(0, 5).join('');
    assert.ok(res.text.startsWith(sent), res.text);
    const rest = framesOf(res.text.slice(sent.length));
    assert.equal(rest.length, 1, res.text);
    assert.match(rest[0]!, /^event: error\ndata: \{"type":"error","error":\{"type":"[a-z_]+","message":/);
    assert.doesNotMatch(res.text, /message_stop/);
  });
});
