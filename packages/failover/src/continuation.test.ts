/**
 * Stream continuation with assistant prefill, against real Anthropic-format fault servers with
 * the real `anthropic` adapter and undici, behind Koa, driven by the official Anthropic SDK and
 * raw fetch.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import type { Target } from '@switchyard/core';
import { createAdapter, createUndiciTransport, type ProviderAdapter } from '@switchyard/providers';
import {
  anthropicClosing,
  anthropicOpening,
  anthropicText,
  delay,
  json,
  sseHead,
  startFaultServer,
  type Fault,
  type FaultServer,
} from './fault-upstream.test.util.js';
import { post, startGateway, type Gateway } from './fault-harness.test.util.js';
import type { FailoverOptions } from './options.js';

const transport = createUndiciTransport({ connections: 8 });
let A: FaultServer; // serves first, then breaks
let B: FaultServer; // the continuation target

before(async () => {
  A = await startFaultServer();
  B = await startFaultServer();
});
after(async () => {
  await Promise.all([A.close(), B.close()]);
  await transport.close();
});

const TARGETS: Target[] = [
  { provider: 'a', model: 'claude-a' },
  { provider: 'b', model: 'claude-b' },
];
const BODY = { model: 'claude', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Say hello' }] };

function adapters(): Map<string, ProviderAdapter> {
  return new Map([
    ['a', createAdapter({ name: 'a', type: 'anthropic', base_url: A.url, api_key: 'sk-ant-a' })],
    ['b', createAdapter({ name: 'b', type: 'anthropic', base_url: B.url, api_key: 'sk-ant-b' })],
  ]);
}

async function withGateway(fn: (gw: Gateway) => Promise<void>, options: Partial<FailoverOptions> = { continuation: { enabled: true } }): Promise<void> {
  const gw = await startGateway({ adapters: adapters(), targets: TARGETS, transport, options });
  try {
    await fn(gw);
  } finally {
    await gw.close();
  }
}

/** Opening, `parts` as text deltas, then the connection is cut. */
function cutAfter(...parts: string[]): Fault {
  return async (_req, res) => {
    sseHead(res);
    res.write(anthropicOpening(10) + parts.map((p) => anthropicText(p)).join(''));
    await delay(30);
    res.socket?.destroy();
  };
}

function continues(text: string): Fault {
  return (_req, res) => {
    sseHead(res);
    res.end(anthropicOpening(14) + anthropicText(text) + anthropicClosing(5));
  };
}

/** Event names and the text of the deltas, off the raw wire. */
function parseStream(raw: string): { events: Array<{ event: string; data: any }>; text: string } {
  const events = raw
    .split('\n\n')
    .filter((f) => f.trim())
    .map((frame) => {
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? '';
      const data = JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? 'null');
      return { event, data };
    });
  const text = events
    .filter((e) => e.event === 'content_block_delta')
    .map((e) => e.data.delta.text)
    .join('');
  return { events, text };
}

const anthropicHeaders = { 'anthropic-version': '2023-06-01' };

describe('stream continuation with assistant prefill (anthropic)', () => {
  it('a cut stream continues on the next target: the partial answer is its prefill, the rest is spliced in', async () => {
    await withGateway(async (gw) => {
      A.set(cutAfter('Hello, ', 'wor'));
      B.set(continues('ld!'));
      const res = await post(`${gw.url}/v1/messages`, BODY, anthropicHeaders);
      assert.equal(res.status, 200);
      const { events, text } = parseStream(res.text);
      assert.equal(text, 'Hello, world!');
      assert.deepEqual(
        events.map((e) => e.event),
        [
          'message_start',
          'content_block_start',
          'content_block_delta',
          'content_block_delta',
          'content_block_delta',
          'content_block_stop',
          'message_delta',
          'message_stop',
        ],
      );
      assert.ok(events.filter((e) => 'index' in (e.data ?? {})).every((e) => e.data.index === 0));
      assert.equal(A.requests.length, 1);
      assert.equal(B.requests.length, 1);
      const sent = B.requests[0]!.json;
      assert.equal(sent.model, 'claude-b');
      assert.deepEqual(sent.messages, [...BODY.messages, { role: 'assistant', content: 'Hello, wor' }]);
      assert.equal(B.requests[0]!.headers['x-api-key'], 'sk-ant-b');
      assert.deepEqual(gw.log, ['failover:a->b']);
      const ex = await gw.settled();
      assert.deepEqual(
        ex.attempts.map((x) => [x.target.provider, x.outcome, x.failureKind]),
        [
          ['a', 'failure', 'network'],
          ['b', 'success', undefined],
        ],
      );
      // Both calls are billed: usage adds the cut segment (what it reported) and the continuation.
      assert.equal(ex.usage?.inputTokens, 24);
      assert.equal(ex.usage?.outputTokens, 6);
    });
  });

  it('usage of a continued stream keeps the one-hour cache writes of every segment (priced at the one-hour rate)', async () => {
    await withGateway(async (gw) => {
      const cacheWrites = (fiveMinute: number, oneHour: number) => ({
        cache_creation_input_tokens: fiveMinute + oneHour,
        cache_creation: { ephemeral_5m_input_tokens: fiveMinute, ephemeral_1h_input_tokens: oneHour },
      });
      A.set(async (_req, res) => {
        sseHead(res);
        res.write(anthropicOpening(10, cacheWrites(100, 300)) + anthropicText('Hello, '));
        await delay(30);
        res.socket?.destroy();
      });
      B.set((_req, res) => {
        sseHead(res);
        res.end(anthropicOpening(14, cacheWrites(20, 40)) + anthropicText('world!') + anthropicClosing(5));
      });
      const res = await post(`${gw.url}/v1/messages`, BODY, anthropicHeaders);
      assert.equal(parseStream(res.text).text, 'Hello, world!');
      const ex = await gw.settled();
      assert.equal(ex.attempts.length, 2);
      assert.equal(ex.usage?.cacheWriteTokens, 460);
      assert.equal(ex.usage?.cacheWrite1hTokens, 340);
    });
  });

  it('trailing whitespace: cut from the prefill (the API refuses it) and not repeated to the client', async () => {
    await withGateway(async (gw) => {
      A.set(cutAfter('Hello, '));
      B.set(continues(' world!'));
      const client = new Anthropic({ baseURL: gw.url, apiKey: 'sk-client', maxRetries: 0 });
      const text = await client.messages.stream({ model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'Say hello' }] }).finalText();
      assert.equal(text, 'Hello, world!');
      assert.deepEqual(B.requests[0]!.json.messages.at(-1), { role: 'assistant', content: 'Hello,' });
    });
  });

  it('a stalled stream continues too; the continuation target rejecting prefill ends with the ORIGINAL error', async () => {
    await withGateway(async (gw) => {
      A.set(async (req, res) => {
        sseHead(res);
        res.write(anthropicOpening(10) + anthropicText('Hel'));
        await req.closed;
      });
      B.set((_req, res) =>
        json(res, 400, {
          type: 'error',
          error: {
            type: 'invalid_request_error',
            message: 'This model does not support assistant message prefill. The conversation must end with a user message.',
          },
        }),
      );
      const res = await post(`${gw.url}/v1/messages`, BODY, anthropicHeaders);
      const { events, text } = parseStream(res.text);
      assert.equal(text, 'Hel');
      const last = events[events.length - 1]!;
      assert.equal(last.event, 'error');
      assert.match(last.data.error.message, /stalled/);
      assert.doesNotMatch(last.data.error.message, /prefill/);
      assert.equal(B.requests.length, 1);
      await A.requests[0]!.closed;
      const ex = await gw.settled();
      assert.deepEqual(
        ex.attempts.map((x) => [x.target.provider, x.outcome, x.failureKind]),
        [
          ['a', 'failure', 'timeout'],
          ['b', 'failure', 'bad_request'],
        ],
      );
      assert.equal(gw.fo.breakerStates().find((s) => s.provider === 'b')?.state, 'closed');
    });
  });

  it('off with one line: a cut ends with the in-band error; usage seen before the cut is kept', async () => {
    await withGateway(
      async (gw) => {
        A.set(cutAfter('Hel'));
        B.set(continues('lo'));
        const res = await post(`${gw.url}/v1/messages`, BODY, anthropicHeaders);
        const { events, text } = parseStream(res.text);
        assert.equal(text, 'Hel');
        assert.equal(events.at(-1)!.event, 'error');
        assert.equal(B.requests.length, 0);
        const ex = await gw.settled();
        assert.equal(ex.usage?.inputTokens, 10); // from message_start, before the cut
      },
      { continuation: { enabled: false } },
    );
  });

  it('never continues a content-policy stop or a tool-use block', async () => {
    await withGateway(async (gw) => {
      A.set(async (_req, res) => {
        sseHead(res);
        res.write(
          anthropicOpening(10) +
            'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t1","name":"f","input":{}}}\n\n' +
            'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"a\\""}}\n\n',
        );
        await delay(30);
        res.socket?.destroy();
      });
      B.set(continues('x'));
      const tool = await post(`${gw.url}/v1/messages`, BODY, anthropicHeaders);
      assert.equal(parseStream(tool.text).events.at(-1)!.event, 'error');
      assert.equal(B.requests.length, 0);

      A.set(async (_req, res) => {
        sseHead(res);
        res.end(
          anthropicOpening(10) +
            anthropicText('Hel') +
            'event: error\ndata: {"type":"error","error":{"type":"invalid_request_error","message":"Output blocked by content filtering policy"}}\n\n',
        );
      });
      const policy = await post(`${gw.url}/v1/messages`, BODY, anthropicHeaders);
      const last = parseStream(policy.text).events.at(-1)!;
      assert.equal(last.event, 'error');
      assert.match(last.data.error.message, /content filtering/);
      assert.equal(B.requests.length, 0);
    });
  });
});
