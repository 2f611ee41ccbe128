/**
 * OpenTelemetry traces of a request that failed over, recorded by an in-memory exporter: one
 * SERVER span continuing the client's traceparent, one CLIENT child span per attempt, GenAI
 * semantic-convention attributes, no prompt or completion text.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { ANSWER, startFaultyLlm, type FaultyLlm } from '../support/faulty-llm.js';
import { sse, startUpstream, type Upstream } from '../support/upstream.js';
import { openaiCompletion, openaiError } from './helpers.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

let primary: Upstream;
let backup: Upstream;
let gw: RunningGateway;
let keyId: string;
let secret: string;

before(async () => {
  [primary, backup] = await Promise.all([
    startUpstream({ status: 503, json: openaiError(503) }),
    startUpstream({ json: openaiCompletion('gpt-4o-mini-2024-07-18', 'SECRET-COMPLETION-TEXT') }),
  ]);
  gw = await startGateway({
    config: {
      storage: { sqlite_path: ':memory:' },
      auth: { required: true },
      ai_gateway: {
        providers: [
          { name: 'tr-primary', type: 'openai', base_url: `${primary.url}/v1`, api_key: 'sk-up-1', models: ['gpt-4o-mini'] },
          { name: 'tr-backup', type: 'openai', base_url: `${backup.url}/v1`, api_key: 'sk-up-2', models: ['gpt-4o-mini'] },
        ],
        routing: {
          strategy: 'priority',
          providers: [
            { name: 'tr-primary', priority: 1 },
            { name: 'tr-backup', priority: 2 },
          ],
          failover: { max_retries: 0 },
        },
        model_mapping: { chat: { 'tr-primary': 'gpt-4o-mini', 'tr-backup': 'gpt-4o-mini' } },
      },
    },
  });
  const { record, secret: s } = await gw.gateway.switchyard.stack.keys.create({ name: 'traced', policy: {} } as never);
  keyId = record.id;
  secret = s;
});

after(async () => {
  await gw.close();
  await Promise.all([primary.close(), backup.close()]);
  await provider.shutdown();
});

test('a request that failed over: span tree and GenAI attributes', async () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const parentId = 'b7ad6b7169203331';
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', traceparent: `00-${traceId}-${parentId}-01` },
    body: JSON.stringify({ model: 'chat', max_tokens: 50, temperature: 0.2, messages: [{ role: 'user', content: 'SECRET-PROMPT-TEXT' }] }),
  });
  assert.equal(res.status, 200);
  await res.text();
  // The request span ends at settlement, just after the response is written.
  for (let i = 0; i < 100 && !exporter.getFinishedSpans().some((s) => s.parentSpanContext?.spanId === parentId); i++)
    await new Promise((r) => setTimeout(r, 20));
  const spans = exporter.getFinishedSpans();
  const root = spans.find((s) => s.parentSpanContext?.spanId === parentId);
  assert.ok(root, 'the request span continues the client traceparent');
  assert.equal(root.spanContext().traceId, traceId);
  assert.equal(root.name, 'chat chat');
  assert.equal(root.kind, 1 /* SERVER */);
  const children = spans
    .filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId)
    .sort((a, b) => (a.attributes['switchyard.attempt'] as number) - (b.attributes['switchyard.attempt'] as number));
  assert.equal(children.length, 2, 'one child span per attempt');
  const [failed, served] = children as [typeof root, typeof root];

  assert.equal(failed.name, 'chat gpt-4o-mini');
  assert.equal(failed.kind, 2 /* CLIENT */);
  assert.equal(failed.attributes['gen_ai.operation.name'], 'chat');
  assert.equal(failed.attributes['gen_ai.provider.name'], 'tr-primary');
  assert.equal(failed.attributes['gen_ai.request.model'], 'gpt-4o-mini');
  assert.equal(failed.attributes['error.type'], 'overloaded');
  assert.equal(failed.attributes['http.response.status_code'], 503);
  assert.equal(failed.status.code, 2 /* ERROR */);

  assert.equal(served.attributes['gen_ai.provider.name'], 'tr-backup');
  assert.equal(served.attributes['switchyard.attempt'], 2);
  assert.equal(served.attributes['switchyard.failover.kind'], 'failover');
  assert.equal(served.attributes['switchyard.failover.reason'], 'overloaded');
  assert.equal(served.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
  assert.deepEqual(served.attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(served.attributes['gen_ai.usage.input_tokens'], 9);
  assert.equal(served.attributes['gen_ai.usage.output_tokens'], 3);
  assert.equal(served.attributes['error.type'], undefined);

  assert.equal(root.attributes['gen_ai.operation.name'], 'chat');
  assert.equal(root.attributes['gen_ai.request.model'], 'chat');
  assert.equal(root.attributes['gen_ai.request.max_tokens'], 50);
  assert.equal(root.attributes['gen_ai.request.temperature'], 0.2);
  assert.equal(root.attributes['gen_ai.provider.name'], 'tr-backup');
  assert.equal(root.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
  assert.equal(root.attributes['gen_ai.usage.output_tokens'], 3);
  assert.equal(root.attributes['switchyard.key.id'], keyId);
  assert.equal(root.attributes['switchyard.strategy'], 'priority');
  assert.equal(root.attributes['switchyard.attempts'], 2);
  assert.equal(root.attributes['switchyard.failover.kind'], 'failover');
  assert.equal(root.attributes['http.response.status_code'], 200);
  assert.equal(root.status.code, 0 /* UNSET */);

  // No prompt or completion text anywhere unless capture is enabled.
  const dump = JSON.stringify(spans.map((s) => [s.attributes, s.events]));
  assert.doesNotMatch(dump, /SECRET-PROMPT-TEXT|SECRET-COMPLETION-TEXT/);
  assert.doesNotMatch(dump, new RegExp(secret));
});

type ReadableSpan = ReturnType<InMemorySpanExporter['getFinishedSpans']>[number];

/**
 * Stream one Anthropic request through a gateway over two faulty upstreams (`main` misbehaving
 * as `conduct`, `backup` answering); the answer must be whole. Returns the request span and its
 * attempt spans in order.
 */
async function tracedStream(
  prefix: string,
  conduct: Parameters<FaultyLlm['set']>[0],
  failover: Record<string, unknown> = {},
): Promise<{ root: ReadableSpan; attempts: ReadableSpan[] }> {
  const [main, backup] = await Promise.all([startFaultyLlm(`${prefix}-main`, 'native'), startFaultyLlm(`${prefix}-backup`, 'native')]);
  main.set(conduct);
  backup.set({ do: 'answer' });
  const gateway = await startGateway({
    config: {
      storage: { sqlite_path: ':memory:' },
      ai_gateway: {
        providers: [
          { name: `${prefix}-main`, type: 'anthropic', base_url: main.url, api_key: 'sk-am', models: ['claude-main'] },
          { name: `${prefix}-backup`, type: 'anthropic', base_url: backup.url, api_key: 'sk-ab', models: ['claude-backup'] },
        ],
        routing: {
          strategy: 'priority',
          providers: [
            { name: `${prefix}-main`, priority: 1 },
            { name: `${prefix}-backup`, priority: 2 },
          ],
          failover,
        },
        model_mapping: { chat: { [`${prefix}-main`]: 'claude-main', [`${prefix}-backup`]: 'claude-backup' } },
      },
    },
  });
  exporter.reset();
  try {
    const client = new Anthropic({ baseURL: gateway.url, apiKey: 'sk-client', maxRetries: 0 });
    let text = '';
    const stream = await client.messages.create({ model: 'chat', max_tokens: 200, stream: true, messages: [{ role: 'user', content: 'Count to sixty.' }] });
    for await (const ev of stream) if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
    assert.equal(text, ANSWER);
    for (let i = 0; i < 100 && !exporter.getFinishedSpans().some((s) => s.kind === 1); i++) await new Promise((r) => setTimeout(r, 20));
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.kind === 1)!;
    const attempts = spans
      .filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId)
      .sort((a, b) => (a.attributes['switchyard.attempt'] as number) - (b.attributes['switchyard.attempt'] as number));
    assert.deepEqual(
      attempts.map((a) => a.attributes['gen_ai.provider.name']),
      [`${prefix}-main`, `${prefix}-backup`],
    );
    return { root, attempts };
  } finally {
    await gateway.close();
    await Promise.all([main.close(), backup.close()]);
  }
}

test('a stream cut mid-answer and continued on a backup: the attempt is marked as a continuation', async () => {
  const { root, attempts } = await tracedStream('tr-c', { do: 'break', afterWords: 20, how: 'cut' });
  assert.equal(attempts[0]!.status.code, 2 /* ERROR */);
  assert.equal(attempts[1]!.attributes['switchyard.failover.kind'], 'continuation');
  assert.equal(root.attributes['switchyard.failover.kind'], 'continuation');
  assert.equal(root.attributes['switchyard.stream'], true);
  assert.equal(root.attributes['gen_ai.provider.name'], 'tr-c-backup');
  // Streams carry the response id (the one the client saw first) and the finish reason too.
  for (const span of [root, attempts[1]!]) {
    assert.equal(span.attributes['gen_ai.response.id'], 'msg_faulty');
    assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['end_turn']);
  }
});

test('an OpenAI stream: response id and the finish reason of every choice', async () => {
  const chunk = (choices: unknown[]) => sse({ id: 'chatcmpl-streamed', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini-2024-07-18', choices });
  const upstream = await startUpstream({
    sse: [
      chunk([
        { index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null },
        { index: 1, delta: { role: 'assistant', content: 'Yo' }, finish_reason: null },
      ]),
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
      chunk([{ index: 1, delta: {}, finish_reason: 'length' }]),
      'data: [DONE]\n\n',
    ],
  });
  const gateway = await startGateway({
    config: {
      storage: { sqlite_path: ':memory:' },
      ai_gateway: {
        providers: [{ name: 'tr-s', type: 'openai', base_url: `${upstream.url}/v1`, api_key: 'sk-s', models: ['gpt-4o-mini'] }],
        model_mapping: { chat: { 'tr-s': 'gpt-4o-mini' } },
      },
    },
  });
  exporter.reset();
  try {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-client', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', n: 2, stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /\[DONE\]/);
    for (let i = 0; i < 100 && !exporter.getFinishedSpans().some((s) => s.kind === 1); i++) await new Promise((r) => setTimeout(r, 20));
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.kind === 1)!;
    const served = spans.find((s) => s.parentSpanContext?.spanId === root.spanContext().spanId)!;
    for (const span of [root, served]) {
      assert.equal(span.attributes['gen_ai.response.id'], 'chatcmpl-streamed');
      assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop', 'length']);
    }
  } finally {
    await gateway.close();
    await upstream.close();
  }
});

test('a hedged stream: the hedge attempt is marked, the cancelled loser is not an error', async () => {
  const { root, attempts } = await tracedStream('tr-h', { do: 'first-token-after', ms: 5000 }, { hedge_after: '300ms' });
  assert.equal(attempts[0]!.attributes['switchyard.hedge.lost'], true);
  assert.equal(attempts[0]!.attributes['error.type'], undefined);
  assert.notEqual(attempts[0]!.status.code, 2 /* ERROR */);
  assert.equal(attempts[1]!.attributes['switchyard.failover.kind'], 'hedge');
  assert.equal(root.attributes['switchyard.failover.kind'], 'hedge');
  assert.equal(root.status.code, 0);
});
