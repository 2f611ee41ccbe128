import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { JsonResult, ProviderCall, StreamResult } from '../adapter.js';
import type { HttpTransport } from '../transport.js';
import { isProviderError } from '../provider-error.js';
import { createAdapter } from '../registry.js';
import { collect, fixtureJson } from '../testing/upstream.test.util.js';

const require = createRequire(import.meta.url);
const Ajv = require('ajv') as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } };
const ajv = new Ajv({ strict: false, allErrors: true });
const validateMessage = ajv.compile(fixtureJson('anthropic/sdk-0.32.1.Message.schema.json'));
const validateEvent = ajv.compile(fixtureJson('anthropic/sdk-0.32.1.RawMessageStreamEvent.schema.json'));

// The simulated provider never touches the transport.
const transport = { name: 'none', request: () => assert.fail('no HTTP'), close: async () => {} } as unknown as HttpTransport;
const NOW = Date.parse('2026-03-01T12:00:00Z');

function sim(extra: Record<string, unknown> = {}, sleeps: number[] = []) {
  return createAdapter({
    name: 'sim',
    type: 'simulated',
    latency_ms: 30,
    tokens_per_second: 100,
    output_tokens: 12,
    now: () => NOW,
    random: () => 0.99,
    sleep: async (ms: number, signal: AbortSignal) => {
      sleeps.push(ms);
      if (signal.aborted) throw new Error('aborted');
    },
    ...extra,
  });
}

const ctx = () => ({ transport, signal: new AbortController().signal });
const openai = (body: Record<string, unknown>, stream = false): ProviderCall => ({
  format: 'openai.chat',
  body: { messages: [{ role: 'user', content: 'hi' }], ...body },
  model: 'gpt-sim',
  stream,
  headers: {},
  requestId: 'r',
});
const anthropic = (body: Record<string, unknown>, stream = false): ProviderCall => ({
  format: 'anthropic.messages',
  body: { max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...body },
  model: 'claude-sim',
  stream,
  headers: {},
  requestId: 'r',
});

describe('simulated adapter', () => {
  it('answers OpenAI chat JSON with a schema-shaped completion', async () => {
    const sleeps: number[] = [];
    const result = (await sim({}, sleeps).invoke(openai({}), ctx())) as JsonResult;
    const body = JSON.parse(result.body);
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'gpt-sim');
    assert.equal(body.created, NOW / 1000);
    assert.deepEqual(Object.keys(body.choices[0]).sort(), ['finish_reason', 'index', 'logprobs', 'message']);
    assert.equal(body.choices[0].logprobs, null);
    assert.equal(body.choices[0].message.refusal, null);
    assert.equal(body.choices[0].finish_reason, 'stop');
    assert.match(body.choices[0].message.content, /^Simulated response from sim\/gpt-sim\. /);
    assert.equal(body.choices[0].message.content.split(' ').length, 12);
    assert.equal(body.usage.completion_tokens, 12);
    assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + 12);
    assert.equal(result.usage?.outputTokens, 12);
    assert.deepEqual(sleeps, [30 + 12 * 10]);
    // Deterministic.
    assert.equal(((await sim().invoke(openai({}), ctx())) as JsonResult).body, result.body);
  });

  it('honours max_tokens (length) and forced tool calls', async () => {
    const short = JSON.parse(((await sim().invoke(openai({ max_tokens: 3 }), ctx())) as JsonResult).body);
    assert.equal(short.choices[0].finish_reason, 'length');
    assert.equal(short.usage.completion_tokens, 3);
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }];
    for (const tool_choice of ['required', { type: 'function', function: { name: 'get_weather' } }]) {
      const body = JSON.parse(((await sim().invoke(openai({ tools, tool_choice }), ctx())) as JsonResult).body);
      assert.equal(body.choices[0].finish_reason, 'tool_calls');
      assert.equal(body.choices[0].message.content, null);
      assert.deepEqual(body.choices[0].message.tool_calls[0].function, { name: 'get_weather', arguments: '{}' });
    }
    const auto = JSON.parse(((await sim().invoke(openai({ tools, tool_choice: 'auto' }), ctx())) as JsonResult).body);
    assert.equal(auto.choices[0].finish_reason, 'stop');
  });

  it('streams OpenAI chunks paced per token, with a usage chunk and [DONE]', async () => {
    const sleeps: number[] = [];
    const result = (await sim({}, sleeps).invoke(openai({ stream: true, stream_options: { include_usage: true } }, true), ctx())) as StreamResult;
    const events = await collect(result.events);
    assert.equal(events.at(-1)!.data, '[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    for (const c of chunks) assert.equal(c.object, 'chat.completion.chunk');
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    assert.equal(chunks.at(-2).choices[0].finish_reason, 'stop');
    assert.deepEqual(chunks.at(-1).choices, []);
    assert.equal(chunks.at(-1).usage.completion_tokens, 12);
    assert.equal(
      chunks
        .slice(1, -2)
        .map((c) => c.choices[0].delta.content)
        .join(''),
      JSON.parse(((await sim().invoke(openai({}), ctx())) as JsonResult).body).choices[0].message.content,
    );
    assert.deepEqual(sleeps, [30, ...Array(11).fill(10)]);
    assert.equal(result.usage()?.outputTokens, 12);
  });

  it('answers Anthropic JSON and streams that validate against the SDK schemas', async () => {
    const json = JSON.parse(((await sim().invoke(anthropic({}), ctx())) as JsonResult).body);
    assert.ok(validateMessage(json), JSON.stringify(validateMessage.errors));
    assert.equal(json.stop_reason, 'end_turn');
    const tool = JSON.parse(
      ((await sim().invoke(anthropic({ tools: [{ name: 'lookup', input_schema: { type: 'object' } }], tool_choice: { type: 'any' } }), ctx())) as JsonResult)
        .body,
    );
    assert.ok(validateMessage(tool), JSON.stringify(validateMessage.errors));
    assert.deepEqual(tool.content[0], { type: 'tool_use', id: tool.content[0].id, name: 'lookup', input: {} });
    assert.equal(tool.stop_reason, 'tool_use');

    const result = (await sim().invoke(anthropic({ max_tokens: 5 }, true), ctx())) as StreamResult;
    const events = await collect(result.events);
    assert.deepEqual(
      events.map((e) => e.event).filter((e) => e !== 'content_block_delta'),
      ['message_start', 'content_block_start', 'ping', 'content_block_stop', 'message_delta', 'message_stop'],
    );
    for (const e of events) {
      const data = JSON.parse(e.data);
      assert.equal(data.type, e.event);
      if (e.event === 'ping') continue; // ping is not part of the SDK's event union
      assert.ok(validateEvent(data), `${e.event}: ${JSON.stringify(validateEvent.errors)}`);
    }
    assert.equal(JSON.parse(events.at(-2)!.data).delta.stop_reason, 'max_tokens');
    assert.equal(result.usage()?.outputTokens, 5);
  });

  it('serves deterministic embeddings and count_tokens', async () => {
    const call = (input: unknown): ProviderCall => ({
      format: 'openai.embeddings',
      body: { input, dimensions: 8 },
      model: 'emb',
      stream: false,
      headers: {},
      requestId: 'r',
    });
    const a = JSON.parse(((await sim().invoke(call(['x', 'y']), ctx())) as JsonResult).body);
    const b = JSON.parse(((await sim().invoke(call('x'), ctx())) as JsonResult).body);
    assert.equal(a.object, 'list');
    assert.equal(a.data.length, 2);
    assert.equal(a.data[0].embedding.length, 8);
    assert.deepEqual(a.data[0].embedding, b.data[0].embedding);
    assert.notDeepEqual(a.data[0].embedding, a.data[1].embedding);
    const norm = Math.sqrt(a.data[0].embedding.reduce((s: number, v: number) => s + v * v, 0));
    assert.ok(Math.abs(norm - 1) < 1e-3);
    const count = JSON.parse(((await sim().invoke({ ...anthropic({}), format: 'anthropic.count_tokens' }, ctx())) as JsonResult).body);
    assert.ok(Number.isInteger(count.input_tokens) && count.input_tokens > 0);
  });

  it('fails by error_rate and during outages, classified', async () => {
    const draws = [0.1, 0.2, 0.1, 0.9];
    const flaky = sim({ error_rate: 0.5, random: () => draws.shift()! });
    const kinds: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      await flaky.invoke(anthropic({}), ctx()).then(
        () => assert.fail('expected failure'),
        (e) => {
          assert.ok(isProviderError(e));
          kinds.push([e.failureKind, e.upstreamStatus]);
        },
      );
    }
    assert.deepEqual(kinds, [
      ['server_error', 500],
      ['overloaded', 529],
    ]);

    const fixed = sim({ outages: [{ start: '2026-03-01T11:59:00Z', end: NOW + 1 }] });
    await assert.rejects(fixed.invoke(openai({}), ctx()), (e: unknown) => isProviderError(e) && e.failureKind === 'overloaded' && e.upstreamStatus === 503);
    const periodic = sim({ outages: [{ every_ms: 60_000, down_ms: 1 }] }); // NOW is a whole minute
    await assert.rejects(periodic.invoke(openai({}), ctx()), (e: unknown) => isProviderError(e) && e.failureKind === 'overloaded');
    const after = sim({ outages: [{ start: NOW - 10, end: NOW }] });
    await after.invoke(openai({}), ctx());
  });

  it('stops a paced stream at once when the signal aborts', async () => {
    const controller = new AbortController();
    const adapter = createAdapter({ name: 'sim', type: 'simulated', latency_ms: 0, tokens_per_second: 2 });
    const result = (await adapter.invoke(openai({}, true), { transport, signal: controller.signal })) as StreamResult;
    const iterator = result.events[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    const pending = iterator.next(); // waits 500 ms for the next token
    controller.abort();
    await assert.rejects(pending, (e: unknown) => isProviderError(e) && e.afterFirstByte);
  });

  it('rejects bad config eagerly', () => {
    assert.throws(() => createAdapter({ name: 's', type: 'simulated', error_rate: 2 }), TypeError);
    assert.throws(() => createAdapter({ name: 's', type: 'simulated', outages: [{ start: 5, end: 1 }] }), TypeError);
    assert.throws(() => createAdapter({ name: 's', type: 'simulated', random: 3 }), TypeError);
  });
});
