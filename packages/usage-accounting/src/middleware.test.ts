import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateInputTokens, GatewayError, loadTokenCounter, type Usage } from '@switchyard/core';
import { usageAccounting } from './middleware.js';
import { ANTHROPIC, chain, fakeExecutor, OPENAI, openaiChunk, post, prices, recorder, sseData, startExpress, startKoa, type Script } from './harness.test.js';
import type { Exchange } from '@switchyard/core';

async function withServer(
  script: (ex: Exchange) => Script,
  run: (ctx: { url: string; rec: ReturnType<typeof recorder>; seen: Array<Record<string, unknown>> }) => Promise<void>,
  opts: { express?: boolean; options?: Parameters<typeof usageAccounting>[0] } = {},
) {
  const rec = recorder();
  const seen: Array<Record<string, unknown>> = [];
  const accounting = usageAccounting({ prices, onRecord: rec.onRecord, ...opts.options });
  const mw = chain(accounting, fakeExecutor(script, seen));
  const server = opts.express ? await startExpress(mw) : await startKoa(mw);
  try {
    await run({ url: server.url, rec, seen });
  } finally {
    await server.close();
    await accounting.close();
  }
}

const openaiJson = (usage: Record<string, unknown>) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-4o',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there' }, finish_reason: 'stop' }],
  usage,
});

for (const framework of ['koa', 'express'] as const) {
  test(`${framework}: OpenAI JSON with cached and reasoning tokens: usage from the body, cost per class, cost header`, async () => {
    await withServer(
      () => ({
        attempts: [{ target: OPENAI, outcome: 'success' }],
        json: {
          body: openaiJson({
            prompt_tokens: 1000,
            completion_tokens: 200,
            prompt_tokens_details: { cached_tokens: 400 },
            completion_tokens_details: { reasoning_tokens: 50 },
          }),
        },
      }),
      async ({ url, rec }) => {
        const res = await post(`${url}/v1/chat/completions`, { model: 'fast', messages: [{ role: 'user', content: 'hi' }] });
        assert.equal(res.status, 200);
        // 600 uncached * 2.5 + 400 cached * 1.25 + 200 out * 10, per million.
        assert.equal(res.headers.get('x-switchyard-cost-usd'), '0.004');
        const [r] = await rec.until(1);
        assert.deepEqual(r!.usage, { input: 600, cacheRead: 400, cacheWrite: 0, cacheWrite1h: 0, output: 200, reasoning: 50, source: 'provider' });
        assert.equal(r!.costUsd, 0.004);
        assert.deepEqual(r!.costBreakdown, { input: 0.0015, cache_read: 0.0005, cache_write: 0, cache_write_1h: 0, output: 0.002 });
        assert.equal(r!.requestedModel, 'fast');
        assert.equal(r!.resolvedModel, 'gpt-4o');
        assert.equal(r!.provider, 'openai');
        assert.equal(r!.status, 200);
        assert.equal(r!.outcome, 'completed');
        assert.equal(r!.stream, false);
        assert.equal(r!.format, 'openai.chat');
      },
      { express: framework === 'express' },
    );
  });

  test(`${framework}: OpenAI stream the client did not ask usage for: upstream is asked, the usage chunk is hidden, usage is recorded`, async () => {
    await withServer(
      () => ({
        attempts: [{ target: OPENAI, outcome: 'success' }],
        events: [
          openaiChunk('Hel'),
          openaiChunk('lo'),
          {
            data: JSON.stringify({
              id: 'c1',
              object: 'chat.completion.chunk',
              choices: [],
              usage: { prompt_tokens: 12, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 0 } },
            }),
          },
          { data: '[DONE]' },
        ],
      }),
      async ({ url, rec, seen }) => {
        const res = await post(`${url}/v1/chat/completions`, {
          model: 'gpt-4o',
          stream: true,
          stream_options: { foo: 1 },
          messages: [{ role: 'user', content: 'hi' }],
        });
        assert.deepEqual(seen[0]!.stream_options, { foo: 1, include_usage: true });
        const data = sseData(res.text);
        assert.deepEqual(data.slice(-1), ['[DONE]']);
        assert.equal(data.length, 3, 'the usage-only chunk is dropped');
        assert.ok(!res.text.includes('usage'), 'no usage field reaches a client that did not ask');
        assert.equal(res.headers.get('x-switchyard-cost-usd'), null, 'cost of a stream is known only at its end');
        const [r] = await rec.until(1);
        assert.deepEqual(r!.usage, { input: 12, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0, output: 2, reasoning: 0, source: 'provider' });
        assert.equal(r!.costUsd, (12 * 2.5 + 2 * 10) / 1e6);
        assert.equal(r!.stream, true);
        assert.ok(r!.ttftMs !== null);
      },
      { express: framework === 'express' },
    );
  });
}

test('OpenAI stream the client asked usage for: the usage chunk reaches it unchanged', async () => {
  const usageChunk = JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 5, completion_tokens: 1 } });
  await withServer(
    () => ({ attempts: [{ target: OPENAI, outcome: 'success' }], events: [openaiChunk('x'), { data: usageChunk }, { data: '[DONE]' }] }),
    async ({ url, rec, seen }) => {
      const res = await post(`${url}/v1/chat/completions`, { model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [] });
      assert.deepEqual(seen[0]!.stream_options, { include_usage: true });
      assert.deepEqual(sseData(res.text), [openaiChunk('x').data, usageChunk, '[DONE]']);
      const [r] = await rec.until(1);
      assert.equal(r!.usage!.output, 1);
    },
  );
});

const anthropicStream = (withDelta: boolean, cutAfterText = false) => {
  const events: Array<{ event: string; data: string } | Error> = [
    {
      event: 'message_start',
      data: JSON.stringify({
        type: 'message_start',
        message: {
          id: 'm1',
          model: 'claude-sonnet-4',
          usage: { input_tokens: 50, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200, output_tokens: 1 },
        },
      }),
    },
    { event: 'content_block_start', data: JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) },
    {
      event: 'content_block_delta',
      data: JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'The quick brown fox jumps over the lazy dog.' } }),
    },
  ];
  if (cutAfterText) events.push(new Error('upstream connection reset'));
  if (withDelta) {
    events.push({ event: 'message_delta', data: JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 15 } }) });
    events.push({ event: 'message_delta', data: JSON.stringify({ type: 'message_delta', delta: {}, usage: { output_tokens: 30 } }) });
  }
  events.push({ event: 'message_stop', data: '{"type":"message_stop"}' });
  return events;
};

test('Anthropic stream: message_delta usage is cumulative (latest wins), cache read and write priced once each', async () => {
  await withServer(
    () => ({ attempts: [{ target: ANTHROPIC, outcome: 'success' }], events: anthropicStream(true) }),
    async ({ url, rec }) => {
      const res = await post(`${url}/v1/messages`, { model: 'claude-sonnet-4', stream: true, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.status, 200);
      assert.ok(res.text.includes('event: message_delta'), 'Anthropic streams pass unchanged');
      const [r] = await rec.until(1);
      assert.deepEqual(r!.usage, { input: 50, cacheRead: 1000, cacheWrite: 200, cacheWrite1h: 0, output: 30, reasoning: 0, source: 'provider' });
      const expected = (50 * 3 + 1000 * 0.3 + 200 * 3.75 + 30 * 15) / 1e6;
      assert.ok(Math.abs(r!.costUsd! - expected) < 1e-12, `${r!.costUsd} vs ${expected}`);
    },
  );
});

test('Anthropic JSON: the executor-normalised usage on the exchange is used, cost header set', async () => {
  const usage: Usage = { inputTokens: 100, outputTokens: 20, cacheReadTokens: 300, cacheWriteTokens: 0, reasoningTokens: 0, source: 'provider' };
  await withServer(
    () => ({
      attempts: [{ target: ANTHROPIC, outcome: 'success' }],
      usage,
      json: {
        body: {
          id: 'm1',
          type: 'message',
          role: 'assistant',
          content: [{ type: 'text', text: 'hi' }],
          usage: { input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 300 },
        },
      },
    }),
    async ({ url, rec }) => {
      const res = await post(`${url}/v1/messages`, { model: 'claude-sonnet-4', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.headers.get('x-switchyard-cost-usd'), '0.00069'); // 100*3 + 300*0.3 + 20*15 per million
      const [r] = await rec.until(1);
      assert.equal(r!.usage!.cacheRead, 300);
      assert.equal(r!.format, 'anthropic.messages');
    },
  );
});

test('a cut Anthropic stream is estimated with a tokenizer, flagged, and keeps the input the provider reported', async () => {
  await withServer(
    () => ({ attempts: [{ target: ANTHROPIC, outcome: 'failure', failureKind: 'network' }], events: anthropicStream(false, true) }),
    async ({ url, rec }) => {
      const res = await post(`${url}/v1/messages`, { model: 'claude-sonnet-4', stream: true, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
      assert.ok(res.text.includes('event: error'), 'the client is told in-band');
      const [r] = await rec.until(1);
      assert.equal(r!.usage!.source, 'estimated');
      assert.equal(r!.usage!.input, 50, 'input from message_start is kept');
      assert.equal(r!.usage!.cacheRead, 1000);
      assert.ok(r!.usage!.output >= 8 && r!.usage!.output <= 14, `estimated output ${r!.usage!.output} for a 10-token sentence`);
      assert.equal(r!.provider, 'anthropic', 'billed to the attempt that streamed');
      assert.ok(r!.costUsd! > 0);
    },
  );
});

test('a cut OpenAI stream with no usage at all: input and output estimated from request and streamed text', async () => {
  await withServer(
    () => ({
      attempts: [{ target: OPENAI, outcome: 'failure', failureKind: 'network' }],
      events: [openaiChunk('Hello'), openaiChunk(' world'), new Error('reset')],
    }),
    async ({ url, rec }) => {
      const body = {
        model: 'gpt-4o',
        stream: true,
        messages: [
          { role: 'system', content: 'Be brief. <|endoftext|>' },
          { role: 'user', content: 'Say hello to the whole world please' },
        ],
      };
      await post(`${url}/v1/chat/completions`, body);
      const [r] = await rec.until(1);
      assert.equal(r!.usage!.source, 'estimated');
      assert.equal(r!.usage!.output, 2);
      // The one estimator budgets reserve with and count_tokens answers with: the three agree.
      assert.equal(r!.usage!.input, estimateInputTokens({ format: 'openai.chat', body }, await loadTokenCounter()));
      assert.equal(r!.usage!.cacheRead, 0);
    },
  );
});

test('failover: the failed attempt is logged, not billed; cost is at the serving target price', async () => {
  await withServer(
    () => ({
      attempts: [
        { target: OPENAI, outcome: 'failure', failureKind: 'rate_limited', status: 429, took: 30 },
        { target: ANTHROPIC, outcome: 'success', took: 40 },
      ],
      json: { body: openaiJson({ prompt_tokens: 100, completion_tokens: 10 }) },
    }),
    async ({ url, rec }) => {
      const res = await post(`${url}/v1/chat/completions`, { model: 'smart', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.headers.get('x-switchyard-cost-usd'), '0.00045'); // anthropic: 100*3 + 10*15
      const [r] = await rec.until(1);
      assert.equal(r!.provider, 'anthropic');
      assert.equal(r!.resolvedModel, 'claude-sonnet-4');
      assert.deepEqual(
        r!.attempts.map((a) => [a.provider, a.outcome, a.failureKind, a.latencyMs]),
        [
          ['openai', 'failure', 'rate_limited', 30],
          ['anthropic', 'success', undefined, 40],
        ],
      );
    },
  );
});

test('a model without a price costs null with a reason, never 0, and gets no cost header', async () => {
  await withServer(
    () => ({
      attempts: [{ target: { provider: 'local', model: 'llama-3' }, outcome: 'success' }],
      json: { body: openaiJson({ prompt_tokens: 10, completion_tokens: 5 }) },
    }),
    async ({ url, rec }) => {
      const res = await post(`${url}/v1/chat/completions`, { model: 'llama-3', messages: [] });
      assert.equal(res.headers.get('x-switchyard-cost-usd'), null);
      const [r] = await rec.until(1);
      assert.equal(r!.costUsd, null);
      assert.equal(r!.costReason, 'no price for local/llama-3');
      assert.equal(r!.usage!.input, 10);
    },
  );
});

test('all attempts failed: attempts logged, nothing billed, status and error recorded', async () => {
  await withServer(
    () => ({
      attempts: [{ target: OPENAI, outcome: 'failure', failureKind: 'server_error', status: 500 }],
      error: new GatewayError('All providers failed: openai (server_error)', { status: 502, code: 'upstream_failed' }),
    }),
    async ({ url, rec }) => {
      const res = await post(`${url}/v1/chat/completions`, { model: 'gpt-4o', messages: [] });
      assert.equal(res.status, 502);
      const [r] = await rec.until(1);
      assert.equal(r!.status, 502);
      assert.equal(r!.outcome, 'failed');
      assert.equal(r!.usage, null);
      assert.equal(r!.costUsd, 0);
      assert.equal(r!.provider, null);
      assert.equal(r!.attempts.length, 1);
      assert.match(r!.error!, /All providers failed/);
    },
  );
});

test('body capture is off by default; when on, secrets and configured fields are redacted', async () => {
  const script = () => ({
    attempts: [{ target: OPENAI, outcome: 'success' as const }],
    json: { body: openaiJson({ prompt_tokens: 1, completion_tokens: 1 }) },
  });
  const body = {
    model: 'gpt-4o',
    user: 'alice@example.com',
    api_key: 'sk-live-abcdefgh12345',
    messages: [{ role: 'user', content: 'my key is sk-proj-1234567890abcdef' }],
  };
  await withServer(script, async ({ url, rec }) => {
    await post(`${url}/v1/chat/completions`, body);
    const [r] = await rec.until(1);
    assert.equal(r!.requestBody, undefined);
    assert.equal(r!.responseBody, undefined);
  });
  await withServer(
    script,
    async ({ url, rec }) => {
      await post(`${url}/v1/chat/completions`, body);
      const [r] = await rec.until(1);
      const captured = r!.requestBody as Record<string, unknown>;
      assert.equal(captured.api_key, '[REDACTED]');
      assert.equal(captured.user, '[REDACTED]');
      assert.equal(JSON.stringify(captured).includes('sk-'), false);
      assert.equal((r!.responseBody as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content, 'Hello there');
    },
    { options: { capture: { request: true, response: true, redactFields: ['user'] } } },
  );
});

test('the principal, strategy and key totals (since start, without a store) are recorded', async () => {
  const rec = recorder();
  const accounting = usageAccounting({ prices, onRecord: rec.onRecord });
  const mw = chain(
    async (ex, next) => {
      ex.principal = { id: 'key_1', name: 'team-a', kind: 'key' };
      ex.plan = { strategy: 'priority', targets: [{ ...OPENAI, reason: 'first' }] };
      await next();
    },
    accounting,
    fakeExecutor(() => ({ attempts: [{ target: OPENAI, outcome: 'success' }], json: { body: openaiJson({ prompt_tokens: 100, completion_tokens: 10 }) } })),
  );
  const server = await startKoa(mw);
  try {
    await post(`${server.url}/v1/chat/completions`, { model: 'gpt-4o', messages: [] });
    await post(`${server.url}/v1/chat/completions`, { model: 'gpt-4o', messages: [] });
    const [r] = await rec.until(2);
    assert.equal(r!.keyId, 'key_1');
    assert.equal(r!.keyName, 'team-a');
    assert.equal(r!.strategy, 'priority');
    const totals = await accounting.usageTotals(['key_1', 'key_2']);
    assert.deepEqual(totals.get('key_1'), {
      requests: 2,
      inputTokens: 200,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
      outputTokens: 20,
      spendUsd: 2 * 0.00035,
      unpricedRequests: 0,
    });
    assert.equal(totals.has('key_2'), false);
  } finally {
    await server.close();
    await accounting.close();
  }
});

test('bad options fail at start-up with a TypeError naming the field', () => {
  assert.throws(() => usageAccounting({ batchSize: 0 }), /batchSize/);
  assert.throws(() => usageAccounting({ cachePriceFallback: 'zero' as never }), /cachePriceFallback/);
  assert.throws(() => usageAccounting({ store: {} as never }), /store/);
});
