import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { Registry } from 'prom-client';
import { EventBus, type Exchange, type ExchangeMiddleware } from '@switchyard/core';
import { koaMetrics } from './koa.js';
import { createMetrics } from './metrics.js';
import { usageAccounting } from './middleware.js';
import { ANTHROPIC, chain, fakeExecutor, OPENAI, openaiChunk, post, prices, recorder, startKoa } from './harness.test.js';

/** Parse the Prometheus text format into `name{labels}` -> value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    assert.ok(m, `malformed exposition line: ${line}`);
    out.set(m[1]! + (m[2] ?? ''), Number(m[3]));
  }
  return out;
}

test('/metrics after known traffic: requests, tokens, cost, failovers, latency, overhead, health, circuit, in-flight', async () => {
  const registry = new Registry();
  const events = new EventBus();
  const metrics = createMetrics({ registry, events });
  const rec = recorder();
  const accounting = usageAccounting({ prices, metrics, onRecord: rec.onRecord });
  // The executor stand-in also emits the events the real one does.
  const emitting: ExchangeMiddleware = async (ex: Exchange, next) => {
    await next();
    for (const attempt of ex.attempts) {
      events.emit('attempt.start', { exchange: ex, attempt });
      events.emit('attempt.end', { exchange: ex, attempt });
    }
    if (ex.attempts.length === 2) events.emit('failover', { exchange: ex, from: ex.attempts[0]!.target, to: ex.attempts[1]!.target, kind: 'rate_limited' });
  };
  const executor = fakeExecutor((ex) => {
    if (ex.requestedModel === 'smart') {
      return {
        attempts: [
          { target: OPENAI, outcome: 'failure', failureKind: 'rate_limited', status: 429, took: 20 },
          { target: ANTHROPIC, outcome: 'success', took: 100 },
        ],
        json: { body: { content: [], usage: { input_tokens: 100, output_tokens: 10 } } },
      };
    }
    if (ex.stream) {
      return {
        attempts: [{ target: OPENAI, outcome: 'success', took: 200 }],
        events: [
          openaiChunk('a'),
          { data: JSON.stringify({ choices: [], usage: { prompt_tokens: 10, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 4 } } }) },
          { data: '[DONE]' },
        ],
      };
    }
    return {
      attempts: [{ target: { provider: 'local', model: 'llama' }, outcome: 'success', took: 50 }],
      json: { body: { choices: [], usage: { prompt_tokens: 1, completion_tokens: 1 } } },
    };
  });
  const server = await startKoa(chain(accounting, emitting, executor));
  const app = new Koa();
  app.use(koaMetrics(registry));
  const metricsServer = createServer(app.callback());
  await new Promise<void>((r) => metricsServer.listen(0, '127.0.0.1', r));
  try {
    await post(`${server.url}/v1/messages`, { model: 'smart', max_tokens: 5, messages: [] });
    await post(`${server.url}/v1/chat/completions`, { model: 'gpt-4o', stream: true, messages: [] });
    await post(`${server.url}/v1/chat/completions`, { model: 'gpt-4o', stream: true, messages: [] });
    await post(`${server.url}/v1/chat/completions`, { model: 'llama', messages: [] });
    await rec.until(4);
    events.emit('provider.status', { provider: 'openai', status: 'down' });
    events.emit('provider.status', { provider: 'anthropic', status: 'healthy' });
    events.emit('breaker.open', { target: OPENAI });
    events.emit('attempt.start', { exchange: {} as Exchange, attempt: { target: ANTHROPIC, startedAt: 0, outcome: 'pending' } });

    const res = await fetch(`http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}/metrics`);
    assert.match(res.headers.get('content-type')!, /text\/plain/);
    const m = parseMetrics(await res.text());
    assert.equal(m.get('switchyard_requests_total{provider="anthropic",model="claude-sonnet-4",status="200",outcome="completed"}'), 1);
    assert.equal(m.get('switchyard_requests_total{provider="openai",model="gpt-4o",status="200",outcome="completed"}'), 2);
    assert.equal(m.get('switchyard_tokens_total{provider="openai",model="gpt-4o",class="input"}'), 12);
    assert.equal(m.get('switchyard_tokens_total{provider="openai",model="gpt-4o",class="cache_read"}'), 8);
    assert.equal(m.get('switchyard_tokens_total{provider="anthropic",model="claude-sonnet-4",class="output"}'), 10);
    assert.equal(m.get('switchyard_cost_usd_total{provider="anthropic",model="claude-sonnet-4"}'), 0.00045);
    assert.equal(m.get('switchyard_cost_unknown_total{provider="local",model="llama"}'), 1);
    assert.equal(m.get('switchyard_failovers_total{from="openai",to="anthropic",reason="rate_limited"}'), 1);
    assert.equal(m.get('switchyard_provider_latency_seconds_count{provider="openai",model="gpt-4o",outcome="failure"}'), 1);
    assert.equal(m.get('switchyard_provider_latency_seconds_sum{provider="openai",model="gpt-4o",outcome="success"}'), 0.4);
    assert.equal(m.get('switchyard_time_to_first_token_seconds_count{provider="openai",model="gpt-4o"}'), 2);
    assert.equal(m.get('switchyard_gateway_overhead_seconds_count'), 4);
    assert.equal(m.get('switchyard_provider_up{provider="openai"}'), 0);
    assert.equal(m.get('switchyard_provider_up{provider="anthropic"}'), 1);
    assert.equal(m.get('switchyard_circuit_state{provider="openai",model="gpt-4o"}'), 2);
    assert.equal(m.get('switchyard_inflight_requests{provider="anthropic"}'), 1);
    assert.equal(m.get('switchyard_inflight_requests{provider="openai"}'), 0);
    for (const name of m.keys()) assert.ok(!/sk-|key_id|requested/.test(name), `no unbounded label in ${name}`);
  } finally {
    metrics.dispose();
    await server.close();
    await new Promise((r) => metricsServer.close(r));
    await accounting.close();
  }
});

test('createMetrics needs a registry', () => {
  assert.throws(() => createMetrics({} as never), /registry/);
});

test("the gateway's own model calls are counted apart: calls by purpose and outcome, tokens and cost, never as client requests", async () => {
  const registry = new Registry();
  const accounting = usageAccounting({ prices, metrics: createMetrics({ registry, modelLabel: (_p, m) => (m === 'grade-v1' ? m : 'other') }) });
  const row = (outcome: 'completed' | 'failed', extra: object = {}) => ({
    id: `judge-${outcome}`,
    time: 0,
    keyId: null,
    keyName: null,
    requestedModel: 'grade-v1',
    resolvedModel: outcome === 'completed' ? 'grade-v1' : null,
    provider: outcome === 'completed' ? 'openai' : null,
    strategy: 'judge',
    attempts: [{ provider: 'openai', model: 'grade-v1', outcome: outcome === 'completed' ? ('success' as const) : ('failure' as const), latencyMs: 5 }],
    status: outcome === 'completed' ? 200 : 500,
    outcome,
    latencyMs: 5,
    ttftMs: null,
    usage: null,
    costUsd: null,
    format: 'openai.chat' as const,
    stream: false,
    ...extra,
  });
  accounting.recordInternalCall(
    row('completed', { usage: { input: 100, cacheRead: 20, cacheWrite: 0, cacheWrite1h: 0, output: 7, reasoning: 0, source: 'provider' }, costUsd: 0.002 }),
  );
  accounting.recordInternalCall(row('failed'));
  const m = parseMetrics(await registry.metrics());
  assert.equal(m.get('switchyard_internal_calls_total{purpose="judge",provider="openai",model="grade-v1",outcome="completed"}'), 1);
  assert.equal(m.get('switchyard_internal_calls_total{purpose="judge",provider="openai",model="grade-v1",outcome="failed"}'), 1);
  assert.equal(m.get('switchyard_internal_tokens_total{purpose="judge",provider="openai",model="grade-v1",direction="input"}'), 120);
  assert.equal(m.get('switchyard_internal_tokens_total{purpose="judge",provider="openai",model="grade-v1",direction="output"}'), 7);
  assert.equal(m.get('switchyard_internal_cost_usd_total{purpose="judge",provider="openai",model="grade-v1"}'), 0.002);
  assert.equal([...m.keys()].filter((k) => k.startsWith('switchyard_requests_total{')).length, 0, 'no client request series');
});
