/**
 * The client's request body reaches an OpenAI-format upstream byte for byte when nothing changed
 * it (same format, same model): parsed once, never serialised again (issue 14). A body pieces
 * changed in a few top-level members (a mapped model, stream usage asked for) is spliced from the
 * client's bytes; a body in another format is serialised from the translated object.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createGateway, type Gateway } from '@switchyard/gateway';
import { listen, openaiCompletion } from './helpers.js';

const received: string[] = [];
let upstream: Awaited<ReturnType<typeof listen>>;
let gateway: Gateway;
let base: string;

before(async () => {
  upstream = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      received.push(text);
      const model = (JSON.parse(text) as { model: string }).model;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(openaiCompletion(model, 'hi')));
    });
  });
  gateway = await createGateway({
    config: {
      storage: { sqlite_path: ':memory:' },
      ai_gateway: {
        providers: [{ name: 'up', type: 'openai-compatible', base_url: `${upstream.url}/v1`, models: ['same-model', 'real-model'] }],
        model_mapping: { alias: { up: 'real-model' } },
      },
    },
  });
  const server = await gateway.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

after(async () => {
  await gateway.close();
  await upstream.close();
});

async function send(raw: string, path = '/v1/chat/completions', headers: Record<string, string> = {}): Promise<void> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
  assert.equal(res.status, 200, await res.clone().text());
  await res.arrayBuffer();
}

test('an unchanged body is forwarded as the client sent it: spacing, key order, escapes and unknown fields kept', async () => {
  // JSON.stringify of the parsed object would drop the spaces and turn \u00e9 into é.
  const raw = '{ "messages": [ {"role": "user", "content": "caf\\u00e9 \\ud83d\\ude00"} ],\n  "model": "same-model", "x_vendor_field": {"a": [1, 2.50]} }';
  received.length = 0;
  await send(raw);
  assert.deepEqual(received, [raw]);
});

test('a body a piece changed is spliced from the client bytes: the mapped model and the added stream usage serialised, the rest as sent', async () => {
  received.length = 0;
  await send('{ "model": "alias", "messages": [ {"role": "user", "content": "caf\\u00e9"} ] }');
  assert.deepEqual(received, ['{"model":"real-model","messages": [ {"role": "user", "content": "caf\\u00e9"} ]}']);

  received.length = 0;
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{ "model": "same-model", "stream": true, "messages": [ {"role": "user", "content": "hi"} ] }',
  });
  await res.arrayBuffer();
  // (This upstream answers JSON to a stream request, so the gateway may try again: check the first.)
  assert.equal(received[0], '{"stream_options":{"include_usage":true},"model": "same-model","stream": true,"messages": [ {"role": "user", "content": "hi"} ]}');
});

test('a client key written with escapes is never spliced twice: the body is serialised instead', async () => {
  received.length = 0;
  await send('{ "mod\\u0065l": "alias", "messages": [ {"role": "user", "content": "hi"} ] }');
  assert.deepEqual(received, ['{"model":"real-model","messages":[{"role":"user","content":"hi"}]}']);
});

test('a body in another format (Anthropic client, OpenAI upstream) is translated, never forwarded raw', async () => {
  received.length = 0;
  await send('{ "model": "same-model", "max_tokens": 16, "messages": [ {"role": "user", "content": "hi"} ] }', '/v1/messages', {
    'anthropic-version': '2023-06-01',
  });
  assert.equal(received.length, 1);
  assert.notEqual(received[0], '{ "model": "same-model", "max_tokens": 16, "messages": [ {"role": "user", "content": "hi"} ] }');
  assert.equal((JSON.parse(received[0]!) as { model: string }).model, 'same-model');
});
