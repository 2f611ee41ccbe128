import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { Exchange, type ClientFormat, type ExchangeMiddleware, type SseEvent } from '@switchyard/core';
import { seeded } from '@switchyard/core/testing';
import { failover } from '@switchyard/failover';
import { createOpenAIAdapter, createSimulatedAdapter, createUndiciTransport, type ProviderAdapter } from '@switchyard/providers';
import { consensus } from './consensus.js';
import type { ConsensusOptions } from './options.js';

const transport = createUndiciTransport();

/** The executor over these adapters: one attempt per call (no retries), so a seeded failure is the target's answer. */
function executorFor(adapters: ProviderAdapter[]) {
  const executor = failover({ adapters: new Map(adapters.map((a) => [a.name, a])), transport, maxRetries: 0, sleep: async () => {} });
  return { executor, execute: (ex: Exchange) => executor(ex, async () => {}) };
}

const sim = (name: string, reply: string, extra: Record<string, unknown> = {}) =>
  createSimulatedAdapter({ name, type: 'simulated', latency_ms: 0, tokens_per_second: 0, reply, ...extra });

function request(body: Record<string, unknown>, format: ClientFormat = 'openai.chat', headers: Record<string, string> = {}) {
  return new Exchange({ format, body: { model: 'smart', messages: [{ role: 'user', content: 'Capital of France?' }], ...body }, headers });
}

async function run(middleware: ExchangeMiddleware, exchange: Exchange): Promise<{ nextCalled: boolean }> {
  let nextCalled = false;
  await middleware(exchange, async () => void (nextCalled = true));
  return { nextCalled };
}

const text = (exchange: Exchange) =>
  (JSON.parse((exchange.response as { body: string }).body) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
const three = [
  { provider: 'a', model: 'm' },
  { provider: 'b', model: 'm' },
  { provider: 'c', model: 'm' },
];

describe('consensus routing', () => {
  it('returns the majority answer with its agreement share and Wilson interval', async () => {
    const { execute } = executorFor([sim('a', 'Paris.'), sim('b', '  paris '), sim('c', 'Lyon')]);
    const middleware = consensus({ execute, routes: [{ id: 'vote', models: ['smart'], targets: three }] });
    const exchange = request({});
    assert.deepEqual(await run(middleware, exchange), { nextCalled: false });
    assert.equal(text(exchange), 'Paris.');
    assert.equal(exchange.responseHeaders['x-switchyard-consensus'], 'agreement=0.67; votes=2/3; ci95=0.21-0.94; method=normalised; failed=0');
    assert.equal(exchange.responseHeaders['x-switchyard-provider'], 'a');
    assert.equal(exchange.plan?.strategy, 'consensus:vote');
    // Every call is on the request, marked and billed on its own; the chosen one last.
    assert.deepEqual(
      exchange.attempts.map((a) => [a.target.provider, a.role, a.outcome]),
      [
        ['b', 'consensus', 'success'],
        ['c', 'consensus', 'success'],
        ['a', 'consensus', 'success'],
      ],
    );
    assert.ok(exchange.attempts.every((a) => a.usage && a.usage.outputTokens > 0));
    assert.equal(
      exchange.usage?.outputTokens,
      exchange.attempts.reduce((sum, a) => sum + a.usage!.outputTokens, 0),
    );
  });

  it('a seeded simulation: the majority wins whenever it answers, failures are left out and counted', async () => {
    const random = seeded(7);
    const flaky = { error_rate: 0.35, random };
    const { execute } = executorFor([sim('a', 'Paris', flaky), sim('b', 'PARIS!', flaky), sim('c', 'Lyon')]);
    const middleware = consensus({ execute, routes: [{ id: 'vote', models: ['smart'], targets: three }] });
    const seen = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const exchange = request({ user: `u${i}` });
      await run(middleware, exchange);
      const ok = new Set(exchange.attempts.filter((a) => a.outcome === 'success').map((a) => a.target.provider));
      const paris = Number(ok.has('a')) + Number(ok.has('b'));
      const header = exchange.responseHeaders['x-switchyard-consensus']!;
      const failed = 3 - ok.size;
      // Paris wins as soon as one of its targets answers (a 1-1 tie goes to the target listed first).
      const expected =
        paris === 2
          ? 'agreement=0.67; votes=2/3; ci95=0.21-0.94'
          : paris === 1
            ? 'agreement=0.50; votes=1/2; ci95=0.09-0.91'
            : 'agreement=1.00; votes=1/1; ci95=0.21-1.00';
      assert.equal(header, `${expected}; method=normalised; failed=${failed}${ok.size < 2 ? '; quorum=unmet' : ''}`);
      assert.equal(text(exchange).toLowerCase().startsWith('paris'), paris > 0);
      seen.set(`${paris}`, (seen.get(`${paris}`) ?? 0) + 1);
    }
    assert.equal(seen.size, 3, `the seed exercises every case: ${JSON.stringify([...seen])}`);
  });

  it('with the quorum unmet and on_no_quorum error, answers 502; with no answer at all, the upstream error', async () => {
    const { execute } = executorFor([sim('a', 'x', { error_rate: 1 }), sim('b', 'x', { error_rate: 1 }), sim('c', 'Lyon')]);
    const strict = consensus({ execute, routes: [{ id: 'strict', models: ['smart'], targets: three, onNoQuorum: 'error' }] });
    await assert.rejects(run(strict, request({})), (err: { status: number; code: string }) => err.status === 502 && err.code === 'consensus_no_quorum');
    const none = consensus({ execute, routes: [{ id: 'none', models: ['smart'], targets: three.slice(0, 2) }] });
    const exchange = request({});
    await assert.rejects(run(none, exchange), (err: { status: number }) => err.status >= 500);
    assert.deepEqual(
      exchange.attempts.map((a) => a.outcome),
      ['failure', 'failure'],
    );
  });

  it('a client fault is answered as the client error and opens no breaker', async () => {
    const upstream = await localUpstream((model) => (model === 'refuses' ? undefined : { content: 'fine', tool_calls: undefined }));
    try {
      const { executor, execute } = executorFor([createOpenAIAdapter({ name: 'local', type: 'openai', base_url: upstream.url, api_key: 'sk-test' })]);
      const targets = [
        { provider: 'local', model: 'refuses' },
        { provider: 'local', model: 'refuses-too' },
      ];
      const middleware = consensus({ execute, routes: [{ id: 'vote', models: ['smart'], targets }] });
      for (let i = 0; i < 8; i++) {
        const exchange = request({ messages: [{ role: 'user', content: 'BAD' }] });
        await assert.rejects(run(middleware, exchange), (err: { status: number }) => err.status === 400);
      }
      assert.ok(
        executor.breakerStates().every((b) => b.state === 'closed'),
        JSON.stringify(executor.breakerStates()),
      );
      const fine = request({});
      await run(middleware, fine);
      assert.equal(text(fine), 'fine');
    } finally {
      await upstream.close();
    }
  });

  it('compares tool calls as JSON: argument key order does not matter', async () => {
    const args: Record<string, string> = { 'm-1': '{"city":"Paris","unit":"c"}', 'm-2': '{"unit":"c","city":"Paris"}', 'm-3': '{"city":"Lyon","unit":"c"}' };
    const upstream = await localUpstream((model) => ({
      content: null,
      tool_calls: [{ id: `call_${model}`, type: 'function', function: { name: 'weather', arguments: args[model] } }],
    }));
    try {
      const { execute } = executorFor([createOpenAIAdapter({ name: 'local', type: 'openai', base_url: upstream.url, api_key: 'sk-test' })]);
      const targets = ['m-3', 'm-1', 'm-2'].map((model) => ({ provider: 'local', model }));
      const middleware = consensus({ execute, routes: [{ id: 'tools', models: ['smart'], targets }] });
      const exchange = request({ tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }], tool_choice: 'required' });
      await run(middleware, exchange);
      assert.equal(exchange.responseHeaders['x-switchyard-consensus'], 'agreement=0.67; votes=2/3; ci95=0.21-0.94; method=json; failed=0');
      const call = (
        JSON.parse((exchange.response as { body: string }).body) as { choices: { message: { tool_calls: { function: { arguments: string } }[] } }[] }
      ).choices[0]!.message.tool_calls[0]!;
      assert.equal(call.function.arguments, '{"city":"Paris","unit":"c"}');
      assert.equal(exchange.responseHeaders['x-switchyard-model'], 'm-1');
    } finally {
      await upstream.close();
    }
  });

  it('a cost cap shrinks the targets to what fits, and refuses when fewer than two fit', async () => {
    const { execute } = executorFor([sim('a', 'Paris'), sim('b', 'Paris'), sim('c', 'Paris')]);
    // USD per token: a and c cost 1e-6 per token, b 1e-4.
    const estimateCost: ConsensusOptions['estimateCost'] = (t, tokens) => (tokens.inputTokens + tokens.outputTokens) * (t.provider === 'b' ? 1e-4 : 1e-6);
    const middleware = consensus({ execute, estimateCost, routes: [{ id: 'capped', models: ['smart'], targets: three, maxCostUsd: 0.001 }] });
    const cheap = request({ max_tokens: 100 });
    await run(middleware, cheap);
    assert.deepEqual(
      cheap.plan?.targets.map((t) => t.provider),
      ['a', 'c'],
      'b alone would cost over the cap',
    );
    assert.deepEqual(cheap.attempts.map((a) => a.target.provider).sort(), ['a', 'c']);
    assert.match(cheap.responseHeaders['x-switchyard-consensus']!, /votes=2\/2/);

    const dear = request({ max_tokens: 600 });
    await assert.rejects(run(middleware, dear), (err: { status: number; code: string }) => err.status === 400 && err.code === 'consensus_cost_cap_exceeded');
    assert.equal(dear.attempts.length, 0, 'nothing was sent');
  });

  it('a request asks for consensus with x-switchyard-consensus when its key may send routing headers', async () => {
    const { execute } = executorFor([sim('a', 'Paris'), sim('b', 'Paris'), sim('c', 'Lyon')]);
    const middleware = consensus({ execute });
    const planned = (headers: Record<string, string>) => {
      const ex = request({}, 'openai.chat', headers);
      ex.plan = { strategy: 'priority', targets: three.map((t) => ({ ...t, reason: 'test' })) };
      return ex;
    };
    const plain = planned({});
    assert.deepEqual(await run(middleware, plain), { nextCalled: true });
    const two = planned({ 'x-switchyard-consensus': '2' });
    await run(middleware, two);
    assert.equal(two.responseHeaders['x-switchyard-consensus'], 'agreement=1.00; votes=2/2; ci95=0.34-1.00; method=normalised; failed=0');
    const locked = planned({ 'x-switchyard-consensus': '3' });
    locked.principal = { id: 'k', name: 'k', kind: 'key' };
    await assert.rejects(run(middleware, locked), (err: { status: number; code: string }) => err.status === 403 && err.code === 'routing_headers_not_allowed');
    await assert.rejects(run(middleware, planned({ 'x-switchyard-consensus': '9' })), (err: { status: number }) => err.status === 400);
  });

  it('free text: grouped by embedding similarity through a configured embedding model, the call billed with the rest', async () => {
    const long = 'Paris is the capital of France and its largest city';
    const { execute } = executorFor([sim('a', long), sim('b', long), sim('c', 'Lyon is a large city in the south-east of France'), sim('emb', '')]);
    const middleware = consensus({
      execute,
      shortAnswerChars: 20,
      embedding: { provider: 'emb', model: 'embed-1' },
      routes: [{ id: 'prose', models: ['smart'], targets: three }],
    });
    const exchange = request({});
    await run(middleware, exchange);
    assert.equal(exchange.responseHeaders['x-switchyard-consensus'], 'agreement=0.67; votes=2/3; ci95=0.21-0.94; method=embedding; failed=0');
    assert.equal(text(exchange), long);
    assert.deepEqual(
      exchange.attempts.map((a) => a.target.provider),
      ['emb', 'b', 'c', 'a'],
      'the embedding call first, the chosen answer last',
    );
    assert.ok(exchange.attempts[0]!.usage!.inputTokens > 0);

    // Without a working embedding model the vote falls back to normalised text.
    const broken = executorFor([sim('a', long), sim('b', long), sim('c', 'Lyon'), sim('emb', '', { error_rate: 1 })]);
    const fallback = consensus({
      execute: broken.execute,
      shortAnswerChars: 20,
      embedding: { provider: 'emb', model: 'embed-1' },
      routes: [{ id: 'prose', models: ['smart'], targets: three }],
    });
    const again = request({});
    await run(fallback, again);
    assert.match(again.responseHeaders['x-switchyard-consensus']!, /votes=2\/3; .*method=normalised/);
  });

  it('best score: a judge model scores the answers in one call and the best one wins', async () => {
    const { execute } = executorFor([
      sim('a', 'Paris is in France'),
      sim('b', 'Paris is the capital of France'),
      sim('c', 'It is Lyon'),
      sim('judge', '{"scores": [0.4, 0.9, 0.1]}'),
    ]);
    const middleware = consensus({
      execute,
      judge: { provider: 'judge', model: 'grader' },
      routes: [{ id: 'graded', models: ['smart'], targets: three, method: 'judge' }],
    });
    const exchange = request({});
    await run(middleware, exchange);
    assert.equal(text(exchange), 'Paris is the capital of France');
    assert.equal(exchange.responseHeaders['x-switchyard-consensus'], 'agreement=0.33; votes=1/3; ci95=0.06-0.79; method=judge; failed=0; score=0.90');
    assert.equal(exchange.attempts[0]!.target.provider, 'judge', 'the judge call is billed with the request');

    // A judge answering something else: the vote falls back to equality.
    const confused = executorFor([sim('a', 'Paris'), sim('b', 'paris'), sim('c', 'Lyon'), sim('judge', 'I think the second one')]);
    const fallback = consensus({
      execute: confused.execute,
      judge: { provider: 'judge', model: 'grader' },
      routes: [{ id: 'graded', models: ['smart'], targets: three, method: 'judge' }],
    });
    const again = request({});
    await run(fallback, again);
    assert.equal(again.responseHeaders['x-switchyard-consensus'], 'agreement=0.67; votes=2/3; ci95=0.21-0.94; method=normalised; failed=0');
  });

  it('a streaming client gets the chosen answer as a complete stream in its format, with usage', async () => {
    const { execute } = executorFor([sim('a', 'Paris is the capital'), sim('b', 'paris is the capital.'), sim('c', 'Lyon')]);
    const middleware = consensus({ execute, routes: [{ id: 'vote', models: ['smart'], targets: three }] });

    const openai = request({ stream: true, stream_options: { include_usage: true } });
    await run(middleware, openai);
    const chunks = (await events(openai)).map((e) => e.data);
    assert.equal(chunks.at(-1), '[DONE]');
    const parsed = chunks
      .slice(0, -1)
      .map((d) => JSON.parse(d) as { object: string; choices: { delta: { content?: string }; finish_reason: string | null }[]; usage: unknown });
    assert.ok(parsed.every((c) => c.object === 'chat.completion.chunk'));
    assert.equal(parsed.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join(''), 'Paris is the capital');
    assert.equal(parsed.at(-2)!.choices[0]!.finish_reason, 'stop');
    assert.deepEqual((parsed.at(-1)!.usage as { completion_tokens: number }).completion_tokens, 4);

    const anthropic = request({ stream: true, max_tokens: 100 }, 'anthropic.messages');
    await run(middleware, anthropic);
    const evs = await events(anthropic);
    assert.deepEqual(
      [...new Set(evs.map((e) => e.event))],
      ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'],
    );
    const deltas = evs.filter((e) => e.event === 'content_block_delta').map((e) => (JSON.parse(e.data) as { delta: { text: string } }).delta.text);
    assert.equal(deltas.join(''), 'Paris is the capital');
    assert.equal((JSON.parse(evs.find((e) => e.event === 'message_delta')!.data) as { usage: { output_tokens: number } }).usage.output_tokens, 4);
  });
});

async function events(exchange: Exchange): Promise<SseEvent[]> {
  assert.equal(exchange.response?.kind, 'stream');
  const out: SseEvent[] = [];
  for await (const ev of (exchange.response as { events: AsyncIterable<SseEvent | string> }).events) out.push(ev as SseEvent);
  return out;
}

/**
 * A local OpenAI-compatible upstream answering each model with `answer(model)`; a request whose
 * last message says BAD is refused with a 400 (the client's fault).
 */
async function localUpstream(answer: (model: string) => Record<string, unknown> | undefined): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw) as { model: string; messages: { content: string }[] };
      const message = answer(body.model);
      if (body.messages.at(-1)?.content === 'BAD' || !message) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'Invalid request', type: 'invalid_request_error', param: 'messages', code: null } }));
        return;
      }
      const finish = message.tool_calls ? 'tool_calls' : 'stop';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `chatcmpl-${body.model}`,
          object: 'chat.completion',
          created: 1,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish }],
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
