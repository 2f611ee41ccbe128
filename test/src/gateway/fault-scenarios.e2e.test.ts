/**
 * The fault scenarios through the composed gateway, for an OpenAI-format client (the official
 * `openai` SDK) and an Anthropic-format client (`@anthropic-ai/sdk`), against misbehaving
 * upstreams on 127.0.0.1. Each asserts the rescue, the attempts and loose timing bounds.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { ANSWER, startFaultyLlm, type FaultyLlm } from '../support/faulty-llm.js';
import { ADMIN_TOKEN, adminClient, poll } from './helpers.js';

let OM: FaultyLlm; // OpenAI-format primary
let OB: FaultyLlm; // OpenAI-format backup (vLLM-style prefill)
let AM: FaultyLlm; // Anthropic primary
let AB: FaultyLlm; // Anthropic backup
const MESSAGES = [{ role: 'user' as const, content: 'Count to sixty.' }];

/** A gateway over the four upstreams; `failover` is merged into `routing.failover`. */
async function gatewayWith(
  failover: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
  backupPrefill: string | false = 'continue_final_message',
): Promise<RunningGateway & { openai: OpenAI; anthropic: Anthropic }> {
  const gw = await startGateway({
    config: {
      storage: { sqlite_path: ':memory:' },
      admin: { token: ADMIN_TOKEN },
      usage: { flush_interval: 50 },
      ai_gateway: {
        providers: [
          { name: 'o-main', type: 'openai-compatible', base_url: `${OM.url}/v1`, api_key: 'sk-om', models: ['gpt-main'] },
          { name: 'a-main', type: 'anthropic', base_url: AM.url, api_key: 'sk-am', models: ['claude-main'] },
          {
            name: 'o-backup',
            type: 'openai-compatible',
            base_url: `${OB.url}/v1`,
            api_key: 'sk-ob',
            models: ['gpt-backup'],
            ...(backupPrefill ? { prefill: backupPrefill } : {}),
          },
          { name: 'a-backup', type: 'anthropic', base_url: AB.url, api_key: 'sk-ab', models: ['claude-backup'] },
        ],
        routing: {
          strategy: 'priority',
          providers: [
            { name: 'o-main', priority: 1 },
            { name: 'a-main', priority: 1 },
            { name: 'o-backup', priority: 2 },
            { name: 'a-backup', priority: 2 },
          ],
          failover,
        },
        model_mapping: {
          'chat-o': { 'o-main': 'gpt-main', 'o-backup': 'gpt-backup' },
          'chat-a': { 'a-main': 'claude-main', 'a-backup': 'claude-backup' },
          'cross-o': { 'o-main': 'gpt-main', 'a-backup': 'claude-backup' },
          'cross-a': { 'a-main': 'claude-main', 'o-backup': 'gpt-backup' },
        },
        ...extra,
      },
    },
  });
  return {
    ...gw,
    openai: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-client', maxRetries: 0, timeout: 60_000 }),
    anthropic: new Anthropic({ baseURL: gw.url, apiKey: 'sk-client', maxRetries: 0, timeout: 60_000 }),
  };
}

before(async () => {
  [OM, OB, AM, AB] = await Promise.all([
    startFaultyLlm('o-main'),
    startFaultyLlm('o-backup', 'continue_final_message'),
    startFaultyLlm('a-main', 'native'),
    startFaultyLlm('a-backup', 'native'),
  ]);
});
after(async () => {
  await Promise.all([OM, OB, AM, AB].map((u) => u.close()));
});
beforeEach(() => {
  for (const u of [OM, OB, AM, AB]) u.set({ do: 'answer' });
  OB.prefill('continue_final_message');
  AB.prefill('native');
});

/** Stream with the OpenAI SDK: the text, and the error if the stream ended with one. */
async function openaiStream(client: OpenAI, model = 'chat-o') {
  const started = Date.now();
  const { data, response } = await client.chat.completions.create({ model, stream: true, messages: MESSAGES }).withResponse();
  let text = '';
  const ids = new Set<string>();
  let roles = 0;
  let finishes = 0;
  try {
    for await (const chunk of data) {
      ids.add(chunk.id);
      const choice = chunk.choices[0];
      if (choice?.delta?.role) roles++;
      if (choice?.finish_reason) finishes++;
      text += choice?.delta?.content ?? '';
    }
  } catch (error) {
    return { text, error, ids, roles, finishes, headers: response.headers, ms: Date.now() - started };
  }
  return { text, error: undefined, ids, roles, finishes, headers: response.headers, ms: Date.now() - started };
}

/** Stream with the Anthropic SDK. */
async function anthropicStream(client: Anthropic, model = 'chat-a') {
  const started = Date.now();
  const { data, response } = await client.messages.create({ model, max_tokens: 256, stream: true, messages: MESSAGES }).withResponse();
  let text = '';
  const types: string[] = [];
  try {
    for await (const ev of data) {
      types.push(ev.type);
      if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
    }
  } catch (error) {
    return { text, error, types, headers: response.headers, ms: Date.now() - started };
  }
  return { text, error: undefined, types, headers: response.headers, ms: Date.now() - started };
}

describe('deadlines', () => {
  test('default config: a silent upstream is abandoned and failed over well inside 30 s (both client formats)', async () => {
    const gw = await gatewayWith();
    try {
      OM.set({ do: 'silent' });
      AM.set({ do: 'silent' });
      const [o, a] = await Promise.all([openaiStream(gw.openai), anthropicStream(gw.anthropic)]);
      for (const got of [o, a]) {
        assert.equal(got.error, undefined);
        assert.equal(got.text, ANSWER);
        assert.equal(got.headers.get('x-switchyard-attempts'), '2', 'the silent target is not asked again');
        assert.ok(got.ms >= 9_000 && got.ms < 25_000, `took ${got.ms} ms`);
      }
      assert.equal(o.headers.get('x-switchyard-provider'), 'o-backup');
      assert.equal(a.headers.get('x-switchyard-provider'), 'a-backup');
      assert.equal(OM.requests.length, 1);
      assert.equal(AM.requests.length, 1);
    } finally {
      await gw.close();
    }
  });

  test('routing.failover.timeouts: a slow first token fails over at the configured deadline', async () => {
    const gw = await gatewayWith({ timeouts: { first_token: '1s' } });
    try {
      OM.set({ do: 'first-token-after', ms: 3000 });
      AM.set({ do: 'first-token-after', ms: 3000 });
      const [o, a] = await Promise.all([openaiStream(gw.openai), anthropicStream(gw.anthropic)]);
      assert.equal(o.text, ANSWER);
      assert.equal(a.text, ANSWER);
      for (const got of [o, a]) assert.ok(got.ms >= 900 && got.ms < 2900, `took ${got.ms} ms`);
    } finally {
      await gw.close();
    }
  });
});

describe('context length', () => {
  test('a context-length refusal falls back to a target whose window is unknown (both client formats)', async () => {
    const gw = await gatewayWith();
    try {
      OM.set({
        do: 'status',
        status: 400,
        body: {
          error: {
            message: "This model's maximum context length is 8192 tokens.",
            type: 'invalid_request_error',
            code: 'context_length_exceeded',
            param: 'messages',
          },
        },
      });
      AM.set({
        do: 'status',
        status: 400,
        body: { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } },
      });
      const o = await gw.openai.chat.completions.create({ model: 'chat-o', messages: MESSAGES }).withResponse();
      assert.equal(o.data.choices[0]!.message.content, ANSWER);
      assert.equal(o.response.headers.get('x-switchyard-provider'), 'o-backup');
      const a = await gw.anthropic.messages.create({ model: 'chat-a', max_tokens: 256, messages: MESSAGES }).withResponse();
      assert.deepEqual(a.data.content, [{ type: 'text', text: ANSWER }]);
      assert.equal(a.response.headers.get('x-switchyard-provider'), 'a-backup');
      assert.equal(OM.requests.length + AM.requests.length, 2, 'never the same target again');
    } finally {
      await gw.close();
    }
  });

  test('a target whose window is known to be no larger is skipped', async () => {
    const gw = await gatewayWith(
      {},
      {
        models: [
          { provider: 'o-main', model: 'gpt-main', context_window: 128_000 },
          { provider: 'o-backup', model: 'gpt-backup', context_window: 32_000 },
        ],
      },
    );
    try {
      OM.set({
        do: 'status',
        status: 400,
        body: {
          error: {
            message: "This model's maximum context length is 128000 tokens.",
            type: 'invalid_request_error',
            code: 'context_length_exceeded',
            param: 'messages',
          },
        },
      });
      await assert.rejects(gw.openai.chat.completions.create({ model: 'chat-o', messages: MESSAGES }), (err: unknown) => {
        assert.ok(err instanceof OpenAI.BadRequestError, String(err));
        assert.match(err.message, /maximum context length/);
        return true;
      });
      assert.equal(OB.requests.length, 0);
    } finally {
      await gw.close();
    }
  });
});

describe('continuation after a mid-stream failure', () => {
  const HOW = ['cut', 'stall', 'malformed', 'no-terminal'] as const;
  // [client, alias, primary, backup]: same format and across formats.
  const ROUTES = [
    ['openai', 'chat-o', () => OM, () => OB],
    ['anthropic', 'chat-a', () => AM, () => AB],
    ['openai', 'cross-o', () => OM, () => AB],
    ['anthropic', 'cross-a', () => AM, () => OB],
  ] as const;

  for (const how of HOW) {
    test(`${how} after 20 words: one coherent answer, continued on the backup (both client formats, same and across formats)`, async () => {
      const gw = await gatewayWith({ timeouts: { idle: '1s' } });
      try {
        for (const [client, alias, primary, backup] of ROUTES) {
          const label = `${client} client on ${alias}`;
          for (const u of [OM, OB, AM, AB]) u.set({ do: 'answer' });
          primary().set({ do: 'break', afterWords: 20, how });
          if (client === 'openai') {
            const got = await openaiStream(gw.openai, alias);
            assert.equal(got.error, undefined, `${label}: ${String(got.error)}`);
            assert.equal(got.text, ANSWER, label);
            assert.equal(got.ids.size, 1, `${label}: one id`);
            assert.equal(got.roles, 1, `${label}: one role`);
            assert.equal(got.finishes, 1, `${label}: one finish`);
          } else {
            const got = await anthropicStream(gw.anthropic, alias);
            assert.equal(got.error, undefined, `${label}: ${String(got.error)}`);
            assert.equal(got.text, ANSWER, label);
            assert.equal(got.types.filter((t) => t === 'message_start').length, 1, `${label}: one message_start`);
            assert.equal(got.types.filter((t) => t === 'message_stop').length, 1, `${label}: one message_stop`);
          }
          assert.equal(primary().requests.length, 1, label);
          assert.equal(backup().requests.length, 1, label);
          assert.equal(backup().requests[0]!.prefill?.split(' ').length, 20, `${label}: the backup continued the 20 words already sent`);
        }
      } finally {
        await gw.close();
      }
    });
  }

  test('continuation off with one line: the honest in-band error, never a truncated answer presented as complete', async () => {
    const gw = await gatewayWith({ stream_continuation: false });
    try {
      OM.set({ do: 'break', afterWords: 20, how: 'malformed' });
      const o = await openaiStream(gw.openai, 'chat-o');
      assert.ok(o.error instanceof OpenAI.APIError, String(o.error));
      assert.equal(o.finishes, 0);
      AM.set({ do: 'break', afterWords: 20, how: 'cut' });
      const a = await anthropicStream(gw.anthropic, 'cross-a');
      assert.ok(a.error instanceof Anthropic.APIError, String(a.error));
      assert.ok(!a.types.includes('message_stop'));
      assert.equal(OB.requests.length, 0);
    } finally {
      await gw.close();
    }
  });
});

/** The request log's attempt list of one request (written in batches: polled). */
async function loggedAttempts(gw: RunningGateway, requestId: string | null): Promise<Array<Record<string, unknown>>> {
  const admin = adminClient(gw.url);
  const { value } = await poll(async () => {
    const res = await admin('GET', `/logs/${requestId}`);
    return res.status === 200 ? (res.json as { attempts: Array<Record<string, unknown>> }).attempts : undefined;
  }, 10_000);
  return value;
}

describe('hedged requests', () => {
  test('hedge_after: a slow first token is raced by the backup; the winner answers, the loser is cancelled and logged as such (both client formats)', async () => {
    const gw = await gatewayWith({ hedge_after: '500ms' });
    try {
      OM.set({ do: 'first-token-after', ms: 5000 });
      AM.set({ do: 'first-token-after', ms: 5000 });
      const [o, a] = await Promise.all([openaiStream(gw.openai), anthropicStream(gw.anthropic)]);
      for (const got of [o, a]) {
        assert.equal(got.error, undefined);
        assert.equal(got.text, ANSWER);
        assert.equal(got.headers.get('x-switchyard-attempts'), '2');
        assert.ok(got.ms >= 450 && got.ms < 4000, `took ${got.ms} ms`);
      }
      assert.equal(o.headers.get('x-switchyard-provider'), 'o-backup');
      assert.equal(a.headers.get('x-switchyard-provider'), 'a-backup');
      await Promise.all([OM.requests[0]!.closed, AM.requests[0]!.closed]); // cancelled upstream, not left to run
      const log = await loggedAttempts(gw, o.headers.get('x-request-id'));
      assert.deepEqual(
        log.map((x) => [x.provider, x.outcome, x.role ?? 'plan', x.hedgeLost ?? false]),
        [
          ['o-main', 'aborted', 'plan', true],
          ['o-backup', 'success', 'hedge', false],
        ],
      );
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      assert.match(metrics, /switchyard_attempts_total\{provider="o-backup",outcome="success",kind="none",role="hedge"\} 1/);
      assert.match(metrics, /switchyard_attempts_total\{provider="o-main",outcome="hedge_lost",kind="none",role="plan"\} 1/);
    } finally {
      await gw.close();
    }
  });

  test('a continuation is in the request log as such: the cut attempt with its kind, then the continuing one', async () => {
    const gw = await gatewayWith();
    try {
      AM.set({ do: 'break', afterWords: 20, how: 'cut' });
      const a = await anthropicStream(gw.anthropic, 'chat-a');
      assert.equal(a.text, ANSWER);
      const log = await loggedAttempts(gw, a.headers.get('x-request-id'));
      assert.deepEqual(
        log.map((x) => [x.provider, x.outcome, x.failureKind ?? null, x.role ?? 'plan']),
        [
          ['a-main', 'failure', 'network', 'plan'],
          ['a-backup', 'success', null, 'continuation'],
        ],
      );
      // Where it was cut: the 20 words the client already had when the backup carried on.
      assert.equal(log[1]!.deliveredChars, ANSWER.split(' ').slice(0, 20).join(' ').length);
      assert.equal(log[0]!.deliveredChars, undefined);
      assert.ok(log.every((x) => typeof x.startMs === 'number' && typeof x.latencyMs === 'number'));
    } finally {
      await gw.close();
    }
  });
});

describe('failures before the first byte (both client formats)', () => {
  const OPENAI_429 = { error: { message: 'Rate limit reached', type: 'rate_limit_exceeded', code: null, param: null } };
  const ANTHROPIC_429 = { type: 'error', error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' } };
  const OPENAI_503 = { error: { message: 'The server is overloaded', type: 'server_error', code: null, param: null } };
  const ANTHROPIC_529 = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };

  /** Both clients, streaming, on their own pair of upstreams; returns what each saw. */
  async function both(gw: Awaited<ReturnType<typeof gatewayWith>>) {
    const o = await openaiStream(gw.openai);
    const a = await anthropicStream(gw.anthropic);
    return { o, a };
  }

  test('429 with a short Retry-After: waited out on the same target; a long one: the backup at once', async () => {
    const gw = await gatewayWith();
    try {
      OM.set((_r, n) => (n === 0 ? { do: 'status', status: 429, body: OPENAI_429, headers: { 'retry-after': '1' } } : { do: 'answer' }));
      AM.set((_r, n) => (n === 0 ? { do: 'status', status: 429, body: ANTHROPIC_429, headers: { 'retry-after': '1' } } : { do: 'answer' }));
      let { o, a } = await both(gw);
      for (const got of [o, a]) {
        assert.equal(got.text, ANSWER);
        assert.equal(got.headers.get('x-switchyard-attempts'), '2');
        assert.ok(got.ms >= 900, `the 1 s Retry-After was not waited out (${got.ms} ms)`);
      }
      assert.equal(o.headers.get('x-switchyard-provider'), 'o-main');
      assert.equal(a.headers.get('x-switchyard-provider'), 'a-main');
      OM.set({ do: 'status', status: 429, body: OPENAI_429, headers: { 'retry-after': '30' } });
      AM.set({ do: 'status', status: 429, body: ANTHROPIC_429, headers: { 'retry-after': '30' } });
      ({ o, a } = await both(gw));
      assert.equal(o.headers.get('x-switchyard-provider'), 'o-backup');
      assert.equal(a.headers.get('x-switchyard-provider'), 'a-backup');
      for (const got of [o, a]) assert.ok(got.ms < 900, `a long Retry-After is not waited for (${got.ms} ms)`);
      assert.equal(OM.requests.length + AM.requests.length, 2, 'one request each: never hammered');
    } finally {
      await gw.close();
    }
  });

  test('persistent 429 and persistent 503/529: the backup serves; 500 once and a TCP reset once: retried on the same target', async () => {
    const gw = await gatewayWith();
    try {
      for (const [om, am, provider, attempts] of [
        [{ do: 'status', status: 429, body: OPENAI_429 }, { do: 'status', status: 429, body: ANTHROPIC_429 }, 'backup', '2'],
        [{ do: 'status', status: 503, body: OPENAI_503 }, { do: 'status', status: 529, body: ANTHROPIC_529 }, 'backup', '3'],
      ] as const) {
        OM.set(om);
        AM.set(am);
        const { o, a } = await both(gw);
        assert.equal(o.text, ANSWER);
        assert.equal(a.text, ANSWER);
        assert.equal(o.headers.get('x-switchyard-provider'), `o-${provider}`);
        assert.equal(a.headers.get('x-switchyard-provider'), `a-${provider}`);
        assert.equal(o.headers.get('x-switchyard-attempts'), attempts);
        assert.equal(a.headers.get('x-switchyard-attempts'), attempts);
      }
      for (const once of [{ do: 'status', status: 500, body: OPENAI_503 }, { do: 'reset' }] as const) {
        OM.set((_r, n) => (n === 0 ? once : { do: 'answer' }));
        AM.set((_r, n) => (n === 0 ? once : { do: 'answer' }));
        const { o, a } = await both(gw);
        assert.equal(o.headers.get('x-switchyard-provider'), 'o-main', once.do);
        assert.equal(a.headers.get('x-switchyard-provider'), 'a-main', once.do);
        assert.equal(o.text, ANSWER);
        assert.equal(a.text, ANSWER);
      }
    } finally {
      await gw.close();
    }
  });

  test("content filter: the provider's refusal in the client's format, no retry, no fallback", async () => {
    const gw = await gatewayWith();
    try {
      OM.set({
        do: 'status',
        status: 400,
        body: {
          error: {
            message: 'Your request was rejected as a result of our safety system.',
            type: 'invalid_request_error',
            code: 'content_policy_violation',
            param: null,
          },
        },
      });
      await assert.rejects(gw.openai.chat.completions.create({ model: 'chat-o', messages: MESSAGES, stream: true }), (err: unknown) => {
        assert.ok(err instanceof OpenAI.BadRequestError, String(err));
        assert.match(err.message, /safety system/);
        return true;
      });
      AM.set({
        do: 'status',
        status: 400,
        body: { type: 'error', error: { type: 'invalid_request_error', message: 'Output blocked by content filtering policy' } },
      });
      await assert.rejects(gw.anthropic.messages.create({ model: 'chat-a', max_tokens: 64, messages: MESSAGES }), (err: unknown) => {
        assert.ok(err instanceof Anthropic.BadRequestError, String(err));
        assert.match(err.message, /content filtering/);
        return true;
      });
      assert.equal(OM.requests.length + AM.requests.length, 2);
      assert.equal(OB.requests.length + AB.requests.length, 0);
    } finally {
      await gw.close();
    }
  });

  test('flapping provider: the breaker opens and the backup serves without asking it; after the cool-down a probe closes it', async () => {
    const gw = await gatewayWith({ circuit_breaker: { failure_threshold: 3, timeout: '1s' } });
    try {
      OM.set({ do: 'status', status: 503, body: OPENAI_503 });
      for (let i = 0; i < 3; i++) assert.equal((await openaiStream(gw.openai)).text, ANSWER);
      const opened = OM.requests.length;
      const skipped = await openaiStream(gw.openai);
      assert.equal(skipped.headers.get('x-switchyard-provider'), 'o-backup');
      assert.equal(skipped.headers.get('x-switchyard-attempts'), '1', 'the open target is skipped without a request');
      assert.equal(OM.requests.length, opened);
      OM.set({ do: 'answer' });
      await new Promise((r) => setTimeout(r, 1200));
      const healed = await openaiStream(gw.openai);
      assert.equal(healed.headers.get('x-switchyard-provider'), 'o-main');
    } finally {
      await gw.close();
    }
  });
});

describe('a cut with a fallback that rejects prefill', () => {
  test('the next target that takes the prefill continues; none left: the honest in-band error', async () => {
    const gw = await gatewayWith();
    try {
      AB.prefill('reject');
      AM.set((_r, n) => (n === 0 ? { do: 'break', afterWords: 40, how: 'cut' } : { do: 'answer' }));
      const a = await anthropicStream(gw.anthropic, 'chat-a');
      assert.equal(a.error, undefined);
      assert.equal(a.text, ANSWER, 'continued on the cut target itself once the fallback refused');
      assert.equal(AB.requests.length, 1);
      assert.equal(AM.requests.length, 2);
      assert.equal(AM.requests[1]!.prefill?.split(' ').length, 40);

      AM.set({ do: 'break', afterWords: 40, how: 'stall' });
      AB.set({ do: 'answer' });
      const gw2 = await gatewayWith({ timeouts: { idle: '1s' } });
      try {
        const b = await anthropicStream(gw2.anthropic, 'chat-a');
        assert.ok(b.error instanceof Anthropic.APIError, String(b.error));
        assert.ok(!b.types.includes('message_stop'), 'never a truncated answer presented as complete');
        assert.equal(b.text.split(' ').length, 40);
      } finally {
        await gw2.close();
      }
    } finally {
      await gw.close();
    }
  });
});

describe('regenerate and match (no target can continue)', () => {
  test('the regenerated answer is forwarded past what the client has only if it begins with exactly that; otherwise the honest in-band error', async () => {
    const gw = await gatewayWith({ regenerate_and_match: true }, {}, false);
    try {
      OM.set({ do: 'break', afterWords: 20, how: 'cut' });
      const same = await openaiStream(gw.openai, 'chat-o');
      assert.equal(same.error, undefined, String(same.error));
      assert.equal(same.text, ANSWER);
      assert.equal(same.ids.size, 1);
      assert.equal(same.roles, 1);
      assert.equal(same.finishes, 1);
      assert.equal(OB.requests.length, 1);
      assert.equal(OB.requests[0]!.trailingAssistant, false, 'asked again without a prefill');

      OM.set({ do: 'break', afterWords: 20, how: 'cut' });
      OB.set({ do: 'answer', text: 'A different answer altogether, which must never be spliced onto the first one.' });
      const other = await openaiStream(gw.openai, 'chat-o');
      assert.ok(other.error instanceof OpenAI.APIError, String(other.error));
      assert.equal(other.finishes, 0);
      assert.equal(other.text, ANSWER.split(' ').slice(0, 20).join(' '));
    } finally {
      await gw.close();
    }
  });
});
