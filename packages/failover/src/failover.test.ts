import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus, Exchange, GatewayError, MemoryStore, type SseEvent, type Target } from '@switchyard/core';
import { ProviderError, type HttpTransport, type InvokeContext, type ProviderAdapter, type ProviderCall, type ProviderResult } from '@switchyard/providers';
import { failover } from './failover.js';
import type { FailoverOptions } from './options.js';

type Step = ProviderError | 'ok' | 'hang' | { stream: Array<SseEvent | Error | 'stall'> };

/** A scripted adapter: each call consumes the next step (the last repeats). */
function fakeAdapter(name: string, steps: Step[]) {
  const calls: ProviderCall[] = [];
  const contexts: InvokeContext[] = [];
  const adapter: ProviderAdapter = {
    name,
    type: 'fake',
    config: { name, type: 'fake' },
    models: [],
    supports: () => true,
    classify: () => ({ kind: 'server_error', message: 'x' }),
    async invoke(call, ctx): Promise<ProviderResult> {
      calls.push(call);
      contexts.push(ctx);
      const step = steps[Math.min(calls.length - 1, steps.length - 1)]!;
      if (step instanceof ProviderError) throw step;
      if (step === 'hang') {
        return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
      }
      if (step === 'ok') {
        return {
          kind: 'json',
          status: 200,
          headers: {},
          body: JSON.stringify({ model: call.model, by: name }),
          firstByteAt: 0,
          usage: { inputTokens: 3, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, source: 'provider' },
        };
      }
      const items = step.stream;
      async function* events(): AsyncGenerator<SseEvent> {
        for (const item of items) {
          if (item === 'stall') await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
          else if (item instanceof Error) throw item;
          else yield item;
        }
      }
      return { kind: 'stream', status: 200, headers: {}, events: events(), usage: () => undefined, firstByteAt: 0 };
    },
  };
  return { adapter, calls, contexts };
}

const transport: HttpTransport = { name: 'none', request: () => Promise.reject(new Error('unused')), close: async () => {} };
const err = (provider: string, kind: ConstructorParameters<typeof ProviderError>[1]['kind'], extra: { status?: number; retryAfterMs?: number } = {}) =>
  new ProviderError(`${provider} said ${kind}`, { kind, provider, upstreamStatus: extra.status, retryAfterMs: extra.retryAfterMs });

function exchangeFor(targets: Target[], init: { stream?: boolean; headers?: Record<string, string>; routing?: boolean } = {}): Exchange {
  const ex = new Exchange({ format: 'openai.chat', body: { model: 'm', stream: init.stream === true, messages: [] }, headers: init.headers ?? {} });
  ex.plan = { strategy: 'priority', targets: targets.map((t) => ({ ...t, reason: 'test' })) };
  if (init.routing) ex.principal = { id: 'k', name: 'k', kind: 'key', allowRoutingHeaders: true };
  return ex;
}

function setup(adapters: Record<string, ProviderAdapter>, extra: Partial<FailoverOptions> = {}) {
  const sleeps: number[] = [];
  const events = new EventBus();
  const log: string[] = [];
  for (const name of ['retry', 'failover', 'giveup', 'breaker.open', 'breaker.half_open', 'breaker.close'] as const) {
    events.on(name, (p: any) => log.push(name + (p.target ? `:${p.target.provider}` : p.to ? `:${p.from.provider}->${p.to.provider}` : '')));
  }
  const mw = failover({
    adapters: new Map(Object.entries(adapters)),
    transport,
    events,
    random: () => 0.5,
    sleep: async (ms) => void sleeps.push(ms),
    ...extra,
  });
  return { mw, sleeps, log, run: (ex: Exchange) => mw(ex, async () => {}) };
}

const A: Target = { provider: 'a', model: 'ma' };
const B: Target = { provider: 'b', model: 'mb' };

describe('failover executor (fake adapters)', () => {
  it('a served request makes no AbortSignal unless its adapter reads `signal`: the chain is linkAbort links', async () => {
    const made: AbortController[] = [];
    const Original = globalThis.AbortController;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        made.push(this);
      }
    };
    try {
      const a = fakeAdapter('a', ['ok']);
      const { run } = setup({ a: a.adapter });
      const ex = exchangeFor([{ provider: 'a', model: 'm1' }]);
      await run(ex);
      assert.equal(ex.response?.status, 200);
      assert.equal(made.length, 0);
      const context = a.contexts[0]!;
      assert.ok(context.abort, 'built-in adapters follow the lightweight abort');
      assert.ok(context.signal instanceof AbortSignal, 'an adapter that reads `signal` gets a standard one');
      assert.equal(context.signal.aborted, false);
      assert.equal(made.length, 1);
      assert.equal(ex.signal.aborted, false, 'the exchange’s signal is there when asked for');
      assert.equal(made.length, 2);
    } finally {
      globalThis.AbortController = Original;
    }
  });

  it('retries a 500 once on the same target with backoff, then fails over', async () => {
    const a = fakeAdapter('a', [err('a', 'server_error', { status: 500 })]);
    const b = fakeAdapter('b', ['ok']);
    const { run, sleeps, log } = setup({ a: a.adapter, b: b.adapter });
    const ex = exchangeFor([A, B]);
    await run(ex);
    assert.equal(a.calls.length, 2);
    assert.equal(b.calls.length, 1);
    assert.deepEqual(sleeps, [150]); // 200 ms base, equal jitter at random 0.5
    assert.deepEqual(log, ['retry:a', 'failover:a->b']);
    assert.equal(ex.responseHeaders['x-switchyard-attempts'], '3');
    assert.equal(ex.responseHeaders['x-switchyard-provider'], 'b');
    assert.equal(ex.responseHeaders['x-switchyard-model'], 'mb');
    assert.equal(ex.usage?.inputTokens, 3);
    assert.deepEqual(
      ex.attempts.map((x) => [x.target.provider, x.outcome, x.failureKind]),
      [
        ['a', 'failure', 'server_error'],
        ['a', 'failure', 'server_error'],
        ['b', 'success', undefined],
      ],
    );
  });

  it('never retries 400s and returns the provider reason', async () => {
    for (const kind of ['bad_request', 'content_policy', 'auth'] as const) {
      const a = fakeAdapter('a', [err('a', kind, { status: 400 })]);
      const b = fakeAdapter('b', ['ok']);
      const { run } = setup({ a: a.adapter, b: b.adapter });
      const e = await run(exchangeFor([A, B])).then(
        () => undefined,
        (x) => x,
      );
      assert.equal(a.calls.length, 1, kind);
      assert.equal(b.calls.length, 0, kind);
      assert.ok(GatewayError.isInstance(e));
      if (kind !== 'auth') assert.equal(e.status, 400);
      assert.equal(e.message, `a said ${kind}`);
      assert.deepEqual(e.details, { attempts: [{ provider: 'a', model: 'ma', kind, status: 400 }] });
    }
  });

  it('honours a short Retry-After on the same target, fails over on a long one or none', async () => {
    const short = fakeAdapter('a', [err('a', 'rate_limited', { status: 429, retryAfterMs: 700 }), 'ok']);
    const s1 = setup({ a: short.adapter });
    await s1.run(exchangeFor([A]));
    assert.equal(short.calls.length, 2);
    assert.deepEqual(s1.sleeps, [700]);

    const long = fakeAdapter('a', [err('a', 'rate_limited', { status: 429, retryAfterMs: 60_000 })]);
    const none = fakeAdapter('b', [err('b', 'rate_limited', { status: 429 })]);
    const s2 = setup({ a: long.adapter, b: none.adapter });
    const e = await s2.run(exchangeFor([A, B])).then(
      () => undefined,
      (x) => x,
    );
    assert.equal(long.calls.length, 1);
    assert.equal(none.calls.length, 1);
    assert.deepEqual(s2.sleeps, []);
    assert.equal(e.status, 429);
    assert.equal(e.headers['retry-after'], '60');
    // The 429 with Retry-After cooled the target down: the next request skips it without a call.
    await s2.run(exchangeFor([A])).catch(() => undefined);
    assert.equal(long.calls.length, 1);
  });

  it('a silent upstream (timeout) fails over without a retry of the same target', async () => {
    const a = fakeAdapter('a', [err('a', 'timeout')]);
    const b = fakeAdapter('b', ['ok']);
    const { run } = setup({ a: a.adapter, b: b.adapter });
    await run(exchangeFor([A, B]));
    assert.equal(a.calls.length, 1);
    assert.equal(b.calls.length, 1);
  });

  it('context_length fails over to a larger window, skipping one known to be no larger', async () => {
    const a = fakeAdapter('a', [err('a', 'context_length', { status: 400 })]);
    const b = fakeAdapter('b', ['ok']);
    const c = fakeAdapter('c', ['ok']);
    const { run } = setup({ a: a.adapter, b: b.adapter, c: c.adapter });
    const ex = exchangeFor([
      { ...A, contextWindow: 8000 } as Target,
      { ...B, contextWindow: 4000 } as Target,
      { provider: 'c', model: 'mc', contextWindow: 128000 } as Target,
    ]);
    await run(ex);
    assert.equal(b.calls.length, 0);
    assert.equal(c.calls.length, 1);
  });

  it('context_length fails over to a target whose window is unknown, never to the refusing target again', async () => {
    const a = fakeAdapter('a', [err('a', 'context_length', { status: 400 }), err('a', 'context_length', { status: 400 })]);
    const b = fakeAdapter('b', [err('b', 'context_length', { status: 400 })]);
    const s = setup({ a: a.adapter, b: b.adapter });
    // The same target twice in the plan (e.g. two aliases), then an unknown window, then the first again.
    const e = await s.run(exchangeFor([A, A, B, { ...A, contextWindow: 1_000_000 } as Target])).then(
      () => undefined,
      (x) => x,
    );
    assert.equal(e.status, 400);
    assert.equal(a.calls.length, 1, 'the target that refused is not asked again');
    assert.equal(b.calls.length, 1, 'an unknown window may be larger: it is tried');
    const ok = fakeAdapter('b', ['ok']);
    const a2 = fakeAdapter('a', [err('a', 'context_length', { status: 400 })]);
    const s2 = setup({ a: a2.adapter, b: ok.adapter });
    const ex = exchangeFor([A, B]);
    await s2.run(ex);
    assert.equal(ok.calls.length, 1);
    assert.equal(ex.responseHeaders['x-switchyard-provider'], 'b');
  });

  it('gives up with 502/503 naming every attempt, and respects the total budget', async () => {
    const a = fakeAdapter('a', [err('a', 'overloaded', { status: 503 })]);
    const b = fakeAdapter('b', [err('b', 'server_error', { status: 500 })]);
    const { run, log } = setup({ a: a.adapter, b: b.adapter }, { maxAttempts: 3 });
    const e = await run(exchangeFor([A, B])).then(
      () => undefined,
      (x) => x,
    );
    assert.equal(a.calls.length + b.calls.length, 3);
    assert.equal(e.status, 502);
    assert.match(e.message, /a\/ma: overloaded \(503\).*b\/mb: server_error \(500\)/);
    assert.ok(log.includes('giveup'));
  });

  it("the run's total deadline stops a hanging call by itself: the transport gets no second total timer", async () => {
    const a = fakeAdapter('a', ['hang']);
    const { run } = setup({ a: a.adapter }, { timeouts: { totalMs: 50 } });
    const started = Date.now();
    const e = await run(exchangeFor([A])).then(
      () => undefined,
      (x) => x,
    );
    assert.ok(e instanceof GatewayError, String(e));
    assert.ok(e.status === 504 || e.status === 502, `status ${e.status}`);
    assert.ok(Date.now() - started < 5_000);
    assert.equal(a.contexts[0]!.timeouts?.totalMs, 0, 'the transport skips its own total timeout');
    const b = fakeAdapter('b', ['ok']);
    await setup({ b: b.adapter }, { timeouts: { totalMs: 0 } }).run(exchangeFor([B]));
    assert.equal(b.contexts[0]!.timeouts?.totalMs, undefined, "without a run deadline the transport's own total timeout stays");
  });

  it('opens the circuit after consecutive failures and skips the target without a request', async () => {
    const a = fakeAdapter('a', [err('a', 'server_error', { status: 500 })]);
    const b = fakeAdapter('b', ['ok']);
    const { run, log, mw } = setup({ a: a.adapter, b: b.adapter }, { breaker: { consecutiveFailures: 3 }, kinds: { server_error: { retries: 0 } } });
    for (let i = 0; i < 3; i++) await run(exchangeFor([A, B]));
    assert.equal(a.calls.length, 3);
    assert.ok(log.includes('breaker.open:a'));
    await run(exchangeFor([A, B]));
    assert.equal(a.calls.length, 3, 'open circuit: no request');
    assert.equal(mw.breakerStates().find((s) => s.provider === 'a')?.state, 'open');
  });

  it('shares an open circuit through the store: another instance skips the target', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const a1 = fakeAdapter('a', [err('a', 'server_error', { status: 500 })]);
    const one = setup({ a: a1.adapter }, { store, breaker: { consecutiveFailures: 1 }, kinds: { server_error: { retries: 0 } } });
    await one.run(exchangeFor([A])).catch(() => undefined);
    const a2 = fakeAdapter('a', ['ok']);
    const b2 = fakeAdapter('b', ['ok']);
    const two = setup({ a: a2.adapter, b: b2.adapter }, { store });
    const ex = exchangeFor([A, B]);
    await two.run(ex);
    assert.equal(a2.calls.length, 0);
    assert.equal(ex.responseHeaders['x-switchyard-provider'], 'b');
  });

  it('applies client routing headers only when the key allows them', async () => {
    const a = fakeAdapter('a', ['ok']);
    const b = fakeAdapter('b', ['ok']);
    const { run } = setup({ a: a.adapter, b: b.adapter });
    const headers = { 'x-provider-fallbacks': 'b,a' };
    const denied = exchangeFor([A, B], { headers });
    await run(denied);
    assert.equal(denied.responseHeaders['x-switchyard-provider'], 'a');
    const allowed = exchangeFor([A, B], { headers, routing: true });
    await run(allowed);
    assert.equal(allowed.responseHeaders['x-switchyard-provider'], 'b');
  });

  it('X-Max-Provider-Retries and X-Failover-Config triggers narrow the run', async () => {
    const a = fakeAdapter('a', [err('a', 'server_error', { status: 500 })]);
    const b = fakeAdapter('b', ['ok']);
    const { run } = setup({ a: a.adapter, b: b.adapter });
    const config = JSON.stringify({ primary_provider: 'a', fallback_rules: [{ provider: 'b', trigger: ['rate_limit', 'timeout'] }] });
    const e = await run(exchangeFor([A, B], { routing: true, headers: { 'x-failover-config': config, 'x-max-provider-retries': '0' } })).then(
      () => undefined,
      (x) => x,
    );
    assert.equal(a.calls.length, 1, 'no retry with X-Max-Provider-Retries: 0');
    assert.equal(b.calls.length, 0, 'server_error is not a trigger of b');
    assert.equal(e.status, 502);
    const bad = await run(exchangeFor([A, B], { routing: true, headers: { 'x-failover-config': '{nope' } })).then(
      () => undefined,
      (x) => x,
    );
    assert.equal(bad.status, 400);
  });

  it('retry_codes restricts same-target retries (Loom-compatible config)', async () => {
    const a = fakeAdapter('a', [err('a', 'overloaded', { status: 529 })]);
    const b = fakeAdapter('b', ['ok']);
    const { run } = setup({ a: a.adapter, b: b.adapter }, { retryCodes: [429, 500, 502, 503], maxRetries: 2 });
    await run(exchangeFor([A, B]));
    assert.equal(a.calls.length, 1);
  });

  it('no plan and no candidates is a 404', async () => {
    const { run } = setup({});
    const ex = new Exchange({ format: 'openai.chat', body: { model: 'x' }, headers: {} });
    await assert.rejects(run(ex), (e: GatewayError) => e.status === 404);
  });

  it('a stream that fails after its first event ends with an error, not a clean end', async () => {
    const a = fakeAdapter('a', [{ stream: [{ data: '{"x":1}' }, err('a', 'network')] }]);
    const { run } = setup({ a: a.adapter });
    const ex = exchangeFor([A], { stream: true });
    await run(ex);
    assert.equal(ex.response?.kind, 'stream');
    const seen: string[] = [];
    await assert.rejects(
      async () => {
        for await (const ev of (ex.response as any).events as AsyncIterable<SseEvent>) seen.push(ev.data);
      },
      (e: ProviderError) => e.afterFirstByte === true && e.failureKind === 'network',
    );
    assert.deepEqual(seen, ['{"x":1}']);
    assert.equal(ex.attempts[0]?.outcome, 'failure');
  });

  it('a stalled stream is detected by the idle timeout', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const a = fakeAdapter('a', [{ stream: [{ data: '{"n":1}' }, 'stall'] }]);
    const { run } = setup({ a: a.adapter }, { timeouts: { idleMs: 5000, totalMs: 0 } });
    const ex = exchangeFor([A], { stream: true });
    await run(ex);
    const it = ((ex.response as any).events as AsyncIterable<SseEvent>)[Symbol.asyncIterator]();
    assert.equal((await it.next()).value?.data, '{"n":1}');
    const pending = it.next();
    await new Promise((r) => setImmediate(r));
    t.mock.timers.tick(5000);
    await assert.rejects(pending, /stalled/);
  });

  it('aborting the exchange mid-stream stops the upstream and throws the abort reason', async () => {
    const a = fakeAdapter('a', [{ stream: [{ data: '{"n":1}' }, 'stall'] }]);
    const { run } = setup({ a: a.adapter });
    const ex = exchangeFor([A], { stream: true });
    await run(ex);
    const it = ((ex.response as any).events as AsyncIterable<SseEvent>)[Symbol.asyncIterator]();
    await it.next();
    const pending = it.next();
    const reason = new GatewayError('API key revoked', { status: 401 });
    ex.abort(reason);
    await assert.rejects(pending, (e) => e === reason);
    assert.equal(ex.attempts[0]?.outcome, 'aborted');
  });

  it('rejects bad options at start-up', () => {
    assert.throws(() => failover({} as FailoverOptions), TypeError);
    assert.throws(() => failover({ adapters: new Map(), transport, kinds: { nope: {} } as any }), TypeError);
    assert.throws(() => failover({ adapters: new Map(), transport, conditions: { a: ['sometimes'] } }), TypeError);
    assert.throws(() => failover({ adapters: new Map(), transport, continuation: { enabled: true, kinds: ['cut' as never] } }), TypeError);
    assert.throws(() => failover({ adapters: new Map(), transport, continuation: { enabled: true, maxContinuations: 0 } }), TypeError);
  });

  it('a JSON answer read to its end releases its upstream signal without aborting it', async () => {
    const signals: AbortSignal[] = [];
    const a = fakeAdapter('a', ['ok']);
    const invoke = a.adapter.invoke;
    a.adapter.invoke = (call, ctx) => (signals.push(ctx.signal), invoke(call, ctx));
    const { run } = setup({ a: a.adapter });
    await run(exchangeFor([A]));
    assert.equal(signals.length, 1);
    assert.equal(signals[0]!.aborted, false, 'no abort (and no abort event) on normal completion');
  });

  it('an adapter that ignores its abort still loses the attempt at the response deadline, then fails over', async () => {
    const deaf: ProviderAdapter = { ...fakeAdapter('a', ['ok']).adapter, invoke: () => new Promise<never>(() => {}) };
    const b = fakeAdapter('b', ['ok']);
    const { run } = setup({ a: deaf, b: b.adapter }, { timeouts: { responseMs: 50 } });
    const ex = exchangeFor([A, B]);
    await run(ex);
    assert.equal(ex.responseHeaders['x-switchyard-provider'], 'b');
    assert.deepEqual(
      ex.attempts.map((x) => [x.target.provider, x.outcome, x.failureKind, x.message]),
      [
        ['a', 'failure', 'timeout', 'No first token within 50 ms'],
        ['b', 'success', undefined, undefined],
      ],
    );
  });
});
