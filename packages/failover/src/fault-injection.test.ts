/**
 * Fault injection (issue 6): the real openai-compatible adapter and undici transport against
 * node:http fault servers on 127.0.0.1, behind a Koa gateway (plan + failover), driven by the
 * official `openai` SDK (maxRetries 0) and raw fetch. For each fault: what the client
 * receives, how many requests each upstream saw and how far apart (on the test clock, which
 * the injected sleep advances instead of waiting), how long the call took, and that the
 * gateway answers normally afterwards.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { APIError } from 'openai';
import type { Target } from '@switchyard/core';
import { createAdapter, createUndiciTransport, type ProviderAdapter } from '@switchyard/providers';
import { chunk, delay, healthy, json, openaiError, sseHead, startFaultServer, type Fault, type FaultServer } from './fault-upstream.test.util.js';
import { FAST_TIMEOUTS, post, sseData, startGateway, type Gateway } from './fault-harness.test.util.js';
import type { FailoverOptions } from './options.js';

const transport = createUndiciTransport({ connections: 16 });
let clock: () => number = Date.now;
let P: FaultServer; // the faulty primary
let S: FaultServer; // the healthy secondary

before(async () => {
  P = await startFaultServer(() => clock());
  S = await startFaultServer(() => clock());
});
after(async () => {
  await Promise.all([P.close(), S.close()]);
  await transport.close();
});
beforeEach(() => S.set(healthy('s')));

const PRIMARY: Target = { provider: 'p', model: 'mp' };
const SECONDARY: Target = { provider: 's', model: 'ms' };
const MESSAGES = [{ role: 'user' as const, content: 'hi' }];

function adapters(): Map<string, ProviderAdapter> {
  return new Map([
    ['p', createAdapter({ name: 'p', type: 'openai-compatible', base_url: `${P.url}/v1`, api_key: 'sk-upstream-primary' })],
    ['s', createAdapter({ name: 's', type: 'openai-compatible', base_url: `${S.url}/v1`, api_key: 'sk-upstream-secondary' })],
  ]);
}

async function withGateway(fn: (gw: Gateway) => Promise<void>, init: { targets?: Target[]; options?: Partial<FailoverOptions> } = {}): Promise<void> {
  const gw = await startGateway({ adapters: adapters(), targets: init.targets ?? [PRIMARY, SECONDARY], transport, options: init.options });
  clock = gw.now;
  try {
    await fn(gw);
  } finally {
    clock = Date.now;
    await gw.close();
  }
}

/** The primary healed: the same gateway answers from it, normally. */
async function answersNormally(gw: Gateway, from = 'p'): Promise<void> {
  P.set(healthy('p'));
  S.set(healthy('s'));
  const res = await gw.openai.chat.completions.create({ model: 'm', messages: MESSAGES });
  assert.equal(res.choices[0]?.message.content, `hello from ${from}`);
  const stream = await gw.openai.chat.completions.create({ model: 'm', messages: MESSAGES, stream: true });
  let text = '';
  for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
  assert.equal(text, `hello from ${from}`);
}

async function streamText(gw: Gateway): Promise<{ text: string; error?: unknown; ms: number }> {
  const started = Date.now();
  let text = '';
  try {
    const stream = await gw.openai.chat.completions.create({ model: 'm', messages: MESSAGES, stream: true });
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
  } catch (error) {
    return { text, error, ms: Date.now() - started };
  }
  return { text, ms: Date.now() - started };
}

const spacing = (s: FaultServer) => s.requests.slice(1).map((r, i) => r.at - s.requests[i]!.at);

describe('fault injection: real openai-compatible adapter, undici, Koa, openai SDK', () => {
  it('429 with Retry-After: waits what the upstream said, retries the same target once, serves', async () => {
    await withGateway(async (gw) => {
      P.set((req, res, n) =>
        n === 0
          ? openaiError(res, 429, 'Rate limit reached for requests', 'rate_limit_exceeded', 'requests', { 'retry-after': '1' })
          : healthy('p')(req, res, n),
      );
      const res = await gw.openai.chat.completions.create({ model: 'm', messages: MESSAGES });
      assert.equal(res.choices[0]?.message.content, 'hello from p');
      assert.equal(P.requests.length, 2);
      assert.equal(S.requests.length, 0);
      assert.deepEqual(gw.sleeps, [1000]);
      assert.ok(spacing(P)[0]! >= 1000, `retried ${spacing(P)[0]} ms after the 429`);
      assert.deepEqual(gw.log, ['retry:p']);
      await answersNormally(gw);
    });
  });

  it('429 without Retry-After: fails over at once (never hammers); all targets 429 → 429 + Retry-After', async () => {
    await withGateway(async (gw) => {
      P.set((_req, res) => openaiError(res, 429, 'Rate limit reached', 'rate_limit_exceeded', 'requests'));
      const res = await gw.openai.chat.completions.create({ model: 'm', messages: MESSAGES });
      assert.equal(res.choices[0]?.message.content, 'hello from s');
      assert.equal(P.requests.length, 1);
      assert.equal(S.requests.length, 1);
      assert.deepEqual(gw.sleeps, []);
      assert.deepEqual(gw.log, ['failover:p->s']);

      S.set((_req, res) => openaiError(res, 429, 'Rate limit reached', 'rate_limit_exceeded', 'tokens'));
      const all = await post(`${gw.url}/v1/chat/completions`, { model: 'm', messages: MESSAGES });
      assert.equal(all.status, 429);
      assert.equal(all.headers.get('retry-after'), '1');
      assert.equal(all.headers.get('x-switchyard-attempts'), '2');
      assert.equal(JSON.parse(all.text).error.code, 'rate_limited');
      await answersNormally(gw);
    });
  });

  it('500 once: one retry on the same target after the backoff, then served by it', async () => {
    await withGateway(async (gw) => {
      P.set((req, res, n) => (n === 0 ? openaiError(res, 500, 'The server had an error', null, 'server_error') : healthy('p')(req, res, n)));
      const res = await gw.openai.chat.completions.create({ model: 'm', messages: MESSAGES });
      assert.equal(res.choices[0]?.message.content, 'hello from p');
      assert.equal(P.requests.length, 2);
      assert.equal(S.requests.length, 0);
      assert.deepEqual(gw.sleeps, [150]); // 200 ms base, equal jitter at random() = 0.5
      assert.ok(spacing(P)[0]! >= 150);
      await answersNormally(gw);
    });
  });

  it('503 forever: one retry, then the secondary; each attempt reported start and end with one object', async () => {
    await withGateway(async (gw) => {
      P.set((_req, res) => openaiError(res, 503, 'Service unavailable', null, 'server_error'));
      const res = await post(`${gw.url}/v1/chat/completions`, { model: 'm', messages: MESSAGES });
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.text).choices[0].message.content, 'hello from s');
      assert.equal(res.headers.get('x-switchyard-provider'), 's');
      assert.equal(res.headers.get('x-switchyard-model'), 'ms');
      assert.equal(res.headers.get('x-switchyard-attempts'), '3');
      assert.equal(P.requests.length, 2);
      assert.equal(S.requests.length, 1);
      assert.deepEqual(gw.sleeps, [150]);
      assert.deepEqual(gw.log, ['retry:p', 'failover:p->s']);
      // attempt.start and attempt.end carry the same Attempt, complete by the time it ends.
      const starts = gw.attemptEvents.filter((e) => e.name === 'start');
      const ends = gw.attemptEvents.filter((e) => e.name === 'end');
      assert.equal(starts.length, 3);
      assert.equal(ends.length, 3);
      for (let i = 0; i < 3; i++) {
        assert.equal(starts[i]!.attempt, ends[i]!.attempt);
        assert.equal(starts[i]!.snapshot.outcome, 'pending');
        assert.ok(ends[i]!.snapshot.endedAt !== undefined);
      }
      assert.deepEqual(
        ends.map((e) => [e.snapshot.target.provider, e.snapshot.outcome, e.snapshot.failureKind, e.snapshot.status]),
        [
          ['p', 'failure', 'overloaded', 503],
          ['p', 'failure', 'overloaded', 503],
          ['s', 'success', undefined, 200],
        ],
      );
      assert.ok(ends[2]!.snapshot.firstByteAt !== undefined);
      const ex = await gw.settled();
      assert.equal(ex.usage?.inputTokens, 5); // from the serving attempt only
      assert.equal(ex.usage?.outputTokens, 2);
      await answersNormally(gw);
    });
  });

  it('connection reset before headers: network failure, one retry, then the secondary', async () => {
    await withGateway(async (gw) => {
      P.set((_req, res) => res.socket?.resetAndDestroy());
      const res = await gw.openai.chat.completions.create({ model: 'm', messages: MESSAGES });
      assert.equal(res.choices[0]?.message.content, 'hello from s');
      assert.equal(P.requests.length, 2);
      assert.equal(S.requests.length, 1);
      assert.deepEqual(gw.sleeps, [150]);
      assert.deepEqual(
        gw.exchanges[0]!.attempts.map((a) => a.failureKind),
        ['network', 'network', undefined],
      );
      await answersNormally(gw);
    });
  });

  it('accepts and never answers: first-byte timeout, no retry of the silent target, the secondary serves', async () => {
    await withGateway(async (gw) => {
      P.set((req) => req.closed);
      const res = await post(`${gw.url}/v1/chat/completions`, { model: 'm', messages: MESSAGES });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-switchyard-provider'), 's');
      assert.equal(P.requests.length, 1);
      assert.equal(S.requests.length, 1);
      assert.deepEqual(gw.sleeps, []);
      assert.ok(res.ms >= 290, `gave up after ${res.ms} ms, before the 300 ms first-byte timeout`);
      assert.ok(res.ms < 4000, `took ${res.ms} ms`);
      await P.requests[0]!.closed; // the silent connection was released
      assert.equal(gw.exchanges[0]!.attempts[0]!.failureKind, 'timeout');
      await answersNormally(gw);
    });
  });

  it('first token late: time-to-first-token timeout fails the stream over before anything reached the client', async () => {
    await withGateway(async (gw) => {
      P.set(async (req, res) => {
        sseHead(res);
        await Promise.race([delay(2000), req.closed]);
        if (!res.destroyed) res.end(chunk('too late') + 'data: [DONE]\n\n');
      });
      const got = await streamText(gw);
      assert.equal(got.error, undefined);
      assert.equal(got.text, 'hello from s');
      assert.equal(P.requests.length, 1);
      assert.equal(S.requests.length, 1);
      assert.ok(got.ms >= 290 && got.ms < 4000, `took ${got.ms} ms`);
      await P.requests[0]!.closed;
      await answersNormally(gw);
    });
  });

  it("deadlines per target and per request: a target's own first token, narrowed by X-Failover-Timeouts", async () => {
    const lateFirstToken: Fault = async (req, res) => {
      sseHead(res);
      await Promise.race([delay(1500), req.closed]);
      if (!res.destroyed) res.end(chunk('from p, late') + 'data: [DONE]\n\n');
    };
    const patient = { timeouts: { ...FAST_TIMEOUTS, firstTokenMs: 4000 }, allowClientRouting: () => true };
    // The primary's own deadline (a slow model) is waited out: no failover.
    await withGateway(
      async (gw) => {
        P.set(lateFirstToken);
        const got = await streamText(gw);
        assert.equal(got.text, 'from p, late');
        assert.equal(S.requests.length, 0);
      },
      { options: { ...patient, targetTimeouts: (t) => (t.provider === 'p' ? { firstTokenMs: 3000 } : undefined) } },
    );
    // The client may only shorten it: 300 ms fails the primary over, once, to the secondary.
    await withGateway(
      async (gw) => {
        P.set(lateFirstToken);
        const raw = await post(
          `${gw.url}/v1/chat/completions`,
          { model: 'm', messages: MESSAGES, stream: true },
          { 'x-failover-timeouts': 'first_token=300ms, idle=10m' },
        );
        assert.equal(raw.status, 200);
        assert.equal(raw.headers.get('x-switchyard-provider'), 's');
        assert.equal(raw.headers.get('x-switchyard-attempts'), '2');
        assert.equal(P.requests.length, 1, 'a target that timed out is not asked again');
        assert.ok(raw.ms < 1400, `took ${raw.ms} ms: the header did not narrow the deadline`);
        const bad = await post(`${gw.url}/v1/chat/completions`, { model: 'm', messages: MESSAGES }, { 'x-failover-timeouts': 'first_token=soon' });
        assert.equal(bad.status, 400);
        assert.match(bad.text, /X-Failover-Timeouts/);
      },
      { options: patient },
    );
  });

  it('hedged stream: a late first token is raced by the next target; the winner answers, the loser is cancelled upstream at once', async () => {
    const late: Fault = async (req, res) => {
      sseHead(res);
      await Promise.race([delay(2000), req.closed]);
      if (!res.destroyed) res.end(chunk('from p, late') + 'data: [DONE]\n\n');
    };
    await withGateway(
      async (gw) => {
        P.set(late);
        const raw = await post(`${gw.url}/v1/chat/completions`, { model: 'm', messages: MESSAGES, stream: true });
        assert.equal(raw.status, 200);
        assert.equal(raw.headers.get('x-switchyard-provider'), 's');
        assert.equal(raw.headers.get('x-switchyard-attempts'), '2');
        assert.equal(
          sseData(raw.text)
            .map((d) => (d === '[DONE]' ? '' : (JSON.parse(d).choices[0]?.delta?.content ?? '')))
            .join(''),
          'hello from s',
        );
        assert.ok(raw.ms >= 190 && raw.ms < 1500, `took ${raw.ms} ms`);
        await P.requests[0]!.closed; // the loser's upstream request was cancelled, not left to finish
        const ex = await gw.settled();
        assert.deepEqual(
          ex.attempts.map((a) => [a.target.provider, a.outcome, a.role, a.hedgeLost]),
          [
            ['p', 'aborted', undefined, true],
            ['s', 'success', 'hedge', undefined],
          ],
        );
        assert.equal(gw.fo.breakerStates().find((b) => b.provider === 'p')?.state, 'closed', 'losing a race is not a failure');
        // The budget: none left this minute, so the next slow first token is waited out.
        P.set(late);
        S.set(healthy('s'));
        const waited = await post(`${gw.url}/v1/chat/completions`, { model: 'm', messages: MESSAGES, stream: true });
        assert.equal(waited.headers.get('x-switchyard-provider'), 'p');
        assert.equal(S.requests.length, 0);
      },
      { options: { timeouts: { ...FAST_TIMEOUTS, firstTokenMs: 4000 }, hedge: { after: 200, budget: 0, minPerMinute: 1 } } },
    );
  });

  it('stream cut mid-answer: the client keeps what it got and sees an in-band error, never a clean end', async () => {
    await withGateway(async (gw) => {
      P.set(async (_req, res) => {
        sseHead(res);
        res.write(chunk('Hel'));
        res.write(chunk('lo'));
        await delay(30);
        res.socket?.destroy();
      });
      const got = await streamText(gw);
      assert.equal(got.text, 'Hello');
      assert.ok(got.error instanceof APIError, `got ${got.error}`);
      assert.equal(P.requests.length, 1);
      assert.equal(S.requests.length, 0, 'bytes reached the client: no invisible fail-over');
      const ex = await gw.settled();
      assert.deepEqual(
        ex.attempts.map((a) => [a.outcome, a.failureKind]),
        [['failure', 'network']],
      );
      // The raw wire: the last event is the error, in OpenAI's shape, and there is no [DONE].
      P.set(async (_req, res) => {
        sseHead(res);
        res.write(chunk('Hel'));
        await delay(30);
        res.socket?.destroy();
      });
      const raw = await post(`${gw.url}/v1/chat/completions`, { model: 'm', messages: MESSAGES, stream: true });
      const data = sseData(raw.text);
      assert.equal(raw.status, 200);
      assert.ok(!data.includes('[DONE]'));
      assert.equal(JSON.parse(data[data.length - 1]!).error.code, 'network');
      await answersNormally(gw);
    });
  });

  it('stream stalled with the socket open: idle timeout ends it with an error and releases the upstream', async () => {
    await withGateway(async (gw) => {
      P.set(async (req, res) => {
        sseHead(res);
        res.write(chunk('Hel'));
        await req.closed;
      });
      const got = await streamText(gw);
      assert.equal(got.text, 'Hel');
      assert.ok(got.error instanceof APIError);
      assert.match(String((got.error as APIError).message), /stalled|timed out/);
      assert.ok(got.ms >= 290 && got.ms < 4000, `took ${got.ms} ms`);
      await P.requests[0]!.closed; // the gateway hung up on the stalled upstream
      assert.equal(P.requests.length, 1);
      assert.equal(S.requests.length, 0);
      await answersNormally(gw);
    });
  });

  it('malformed SSE event: mid-stream → in-band error; as the first event → fails over invisibly', async () => {
    await withGateway(async (gw) => {
      P.set((_req, res) => {
        sseHead(res);
        res.write(chunk('Hel'));
        res.write('data: {"choices":[{"delta":{"content":"lo"\n\n');
        res.end(chunk('!', 'stop') + 'data: [DONE]\n\n');
      });
      const got = await streamText(gw);
      assert.equal(got.text, 'Hel');
      assert.match(String((got.error as APIError).message), /malformed/);
      assert.equal(S.requests.length, 0);

      P.set((_req, res) => {
        sseHead(res);
        res.end('data: {"choices":[{"delta":\n\ndata: [DONE]\n\n');
      });
      const first = await streamText(gw);
      assert.equal(first.error, undefined);
      assert.equal(first.text, 'hello from s');
      assert.equal(P.requests.length, 2); // server_error: one retry, then fail over
      assert.equal(S.requests.length, 1);
      await answersNormally(gw);
    });
  });

  it('stream ends without [DONE]: an error unless a finish_reason was seen (then [DONE] is supplied)', async () => {
    await withGateway(async (gw) => {
      P.set((_req, res) => {
        sseHead(res);
        res.end(chunk('Hel') + chunk('lo'));
      });
      const cut = await streamText(gw);
      assert.equal(cut.text, 'Hello');
      assert.match(String((cut.error as APIError).message), /ended before completion/);

      P.set((_req, res) => {
        sseHead(res);
        res.end(chunk('Hel') + chunk('lo', 'stop'));
      });
      const raw = await post(`${gw.url}/v1/chat/completions`, { model: 'm', messages: MESSAGES, stream: true });
      assert.equal(sseData(raw.text).pop(), '[DONE]');
      assert.equal(P.requests.length, 1);
      assert.equal(S.requests.length, 0);
      await answersNormally(gw);
    });
  });

  it('400 context_length_exceeded: the provider reason, no retry; fails over only to a larger or unknown window', async () => {
    const tooLong = (_req: unknown, res: Parameters<Fault>[1]) =>
      openaiError(res, 400, "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.", 'context_length_exceeded');
    await withGateway(
      async (gw) => {
        P.set(tooLong);
        const err = await gw.openai.chat.completions.create({ model: 'm', messages: MESSAGES }).then(
          () => undefined,
          (e) => e,
        );
        assert.ok(err instanceof APIError);
        assert.equal(err.status, 400);
        assert.match(err.message, /maximum context length is 8192/);
        assert.equal((err.error as { code?: string }).code, 'context_length');
        assert.equal(P.requests.length, 1);
        assert.equal(S.requests.length, 0, 'a window known to be no larger is skipped');
        assert.deepEqual(gw.sleeps, []);
        await answersNormally(gw);
      },
      { targets: [{ ...PRIMARY, contextWindow: 8192 } as Target, { ...SECONDARY, contextWindow: 8192 } as Target] },
    );
    await withGateway(async (gw) => {
      P.set(tooLong);
      const res = await gw.openai.chat.completions.create({ model: 'm', messages: MESSAGES });
      assert.equal(res.choices[0]?.message.content, 'hello from s', 'an unknown window may be larger');
      assert.equal(P.requests.length, 1);
    });
    await withGateway(
      async (gw) => {
        P.set(tooLong);
        const res = await gw.openai.chat.completions.create({ model: 'm', messages: MESSAGES });
        assert.equal(res.choices[0]?.message.content, 'hello from s');
        assert.equal(P.requests.length, 1);
      },
      { targets: [{ ...PRIMARY, contextWindow: 8192 } as Target, { ...SECONDARY, contextWindow: 128_000 } as Target] },
    );
  });

  it('400 content policy: the provider reason, no retry, no fail-over', async () => {
    await withGateway(async (gw) => {
      P.set((_req, res) => openaiError(res, 400, 'Your request was rejected as a result of our safety system.', 'content_policy_violation'));
      const err = await gw.openai.chat.completions.create({ model: 'm', messages: MESSAGES }).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(err instanceof APIError);
      assert.equal(err.status, 400);
      assert.match(err.message, /safety system/);
      assert.equal((err.error as { code?: string }).code, 'content_policy');
      assert.equal(P.requests.length, 1);
      assert.equal(S.requests.length, 0);
      await answersNormally(gw);
    });
  });

  it('flapping upstream: the breaker opens, the target is skipped without a request, a probe closes it', async () => {
    await withGateway(
      async (gw) => {
        P.set((_req, res) => openaiError(res, 503, 'down', null, 'server_error'));
        const first = await gw.openai.chat.completions.create({ model: 'm', messages: MESSAGES });
        assert.equal(first.choices[0]?.message.content, 'hello from s');
        assert.equal(P.requests.length, 2); // two consecutive failures open the circuit
        assert.deepEqual(gw.log, ['retry:p', 'breaker.open:p', 'failover:p->s']);
        for (let i = 0; i < 3; i++) {
          const res = await post(`${gw.url}/v1/chat/completions`, { model: 'm', messages: MESSAGES });
          assert.equal(res.headers.get('x-switchyard-provider'), 's');
          assert.equal(res.headers.get('x-switchyard-attempts'), '1');
        }
        assert.equal(P.requests.length, 2, 'open circuit: no request to the primary');
        assert.equal(gw.fo.breakerStates().find((s) => s.provider === 'p')?.state, 'open');
        // Healthy again; after the cool-down one probe goes through and closes the circuit.
        P.set(healthy('p'));
        await delay(250); // cockatiel times half-open with the wall clock
        const probe = await gw.openai.chat.completions.create({ model: 'm', messages: MESSAGES });
        assert.equal(probe.choices[0]?.message.content, 'hello from p');
        assert.deepEqual(gw.log.slice(-2), ['breaker.half_open:p', 'breaker.close:p']);
        assert.equal(gw.fo.breakerStates().find((s) => s.provider === 'p')?.state, 'closed');
        await answersNormally(gw);
      },
      { options: { breaker: { consecutiveFailures: 2, coolDownMs: 200 } } },
    );
  });

  it('BYOK: the credential hook supplies the key the upstream sees', async () => {
    await withGateway(
      async (gw) => {
        P.set(healthy('p'));
        await gw.openai.chat.completions.create({ model: 'm', messages: MESSAGES });
        assert.equal(P.requests[0]!.headers.authorization, 'Bearer sk-byok-owner-key');
        S.set(healthy('s'));
        P.set((_req, res) => json(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }));
        const err = await gw.openai.chat.completions.create({ model: 'm', messages: MESSAGES }).then(
          () => undefined,
          (e) => e,
        );
        assert.equal(err?.status, 502, "a refused provider credential is not the client's 401");
        assert.ok(!JSON.stringify(err.error).includes('sk-byok'), 'the key is never echoed');
        assert.equal(S.requests.length, 0);
      },
      { options: { credential: (_ex, target) => (target.provider === 'p' ? 'sk-byok-owner-key' : undefined) } },
    );
  });

  it('client goes away mid-stream: the upstream is released and the attempt ends aborted', async () => {
    await withGateway(async (gw) => {
      P.set(async (req, res) => {
        sseHead(res);
        res.write(chunk('Hel'));
        await req.closed;
      });
      const controller = new AbortController();
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        signal: controller.signal,
        body: JSON.stringify({ model: 'm', messages: MESSAGES, stream: true }),
      });
      const reader = res.body!.getReader();
      const { value } = await reader.read();
      assert.match(new TextDecoder().decode(value), /Hel/);
      controller.abort();
      await P.requests[0]!.closed;
      const ex = await gw.settled();
      assert.equal(ex.attempts[0]!.outcome, 'aborted');
      await answersNormally(gw);
    });
  });
});
