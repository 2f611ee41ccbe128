/**
 * Through the composed gateway with the official SDKs: the request-body `strategy` override
 * (permission, strict checks, never sent upstream, composed with catalog prices and measured
 * per-category quality), the categoriser's classifier model, and judge-model grading — with
 * simulated providers answering labels and grades, and a real HTTP upstream on 127.0.0.1 that
 * fails the judge and stalls the classifier.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway, type RunningGateway } from './support/gateway.js';
import { startUpstream, type Upstream } from './support/upstream.js';

const ADMIN = 'admin-token-experiments-models-0123456789';
const db = () => join(mkdtempSync(join(tmpdir(), 'sy-exp-models-')), 'switchyard.db');
const completion = (content: string) => ({
  id: 'chatcmpl-up',
  object: 'chat.completion',
  created: 1,
  model: 'smart',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 },
});

/** A gateway with the admin token, required keys, a fresh SQLite file and quick log flushes, plus `experiments` and `ai_gateway`. */
const start = (config: { experiments: Record<string, unknown>; ai_gateway: Record<string, unknown> }) =>
  startGateway({ config: { admin: { token: ADMIN }, auth: { required: true }, storage: { sqlite_path: db() }, usage: { flush_interval: 50 }, ...config } });

function adminOf(gw: () => RunningGateway) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gw().url}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
}

/** Poll until `check` holds (background work: log batches, gradings); generous for a busy machine. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (check(value)) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** The example, with this gateway's provider names. */
const EXAMPLE = {
  type: 'weighted',
  providers: { openai: { weight: 60, max_cost: 0.01 }, anthropic: { weight: 30, quality_min: 0.9 }, google: { weight: 10, fallback_only: true } },
  optimization: 'cost_quality_balance',
};

describe('the request-body strategy override', () => {
  let gw: RunningGateway;
  let google: Upstream;
  const admin = adminOf(() => gw);
  before(async () => {
    google = await startUpstream((r) => ({ json: completion(`google saw ${Object.keys(r.body).sort().join(',')}`) }));
    gw = await start({
      experiments: { enabled: true },
      ai_gateway: {
        providers: [
          // anthropic is the cheaper of the two main providers; google (a real upstream) the cheapest.
          {
            name: 'openai',
            type: 'simulated',
            models: ['smart'],
            latency_ms: 1,
            tokens_per_second: 0,
            reply: 'from openai',
            cost: { input_per_1k: 0.01, output_per_1k: 0.03 },
          },
          {
            name: 'anthropic',
            type: 'simulated',
            models: ['smart'],
            latency_ms: 1,
            tokens_per_second: 0,
            reply: 'from anthropic',
            cost: { input_per_1k: 0.003, output_per_1k: 0.015 },
          },
          {
            name: 'google',
            type: 'openai',
            base_url: `${google.url}/v1`,
            api_key: 'sk-google-upstream',
            models: ['smart'],
            cost: { input_per_1k: 0.0001, output_per_1k: 0.0004 },
          },
        ],
        routing: {
          strategy: 'priority',
          providers: [
            { name: 'google', priority: 1 },
            { name: 'openai', priority: 2 },
            { name: 'anthropic', priority: 3 },
          ],
        },
      },
    });
  });
  after(async () => {
    await gw?.close();
    await google?.close();
  });
  const key = async (body: Record<string, unknown>) => (await admin('POST', '/keys', body)).json.key as string;

  test('OpenAI SDK: the issue example routes by cost and measured code quality; the field never reaches the upstream', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: await key({ name: 'override-openai', allow_routing_headers: true }), maxRetries: 0 });
    const ask = (strategy: unknown, content = 'Refactor this function: ```js\nfunction f(x) { return x }\n```') =>
      client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content }], max_tokens: 50, strategy } as never).withResponse();

    // Nothing measured: anthropic (quality_min 0.9) waits behind openai, google is fallback only.
    const cold = await ask(EXAMPLE);
    assert.equal(cold.response.headers.get('x-switchyard-provider'), 'openai');
    assert.equal(cold.response.headers.get('x-switchyard-strategy'), 'override:weighted+cost_quality_balance');

    // The client rates anthropic's code answers highly…
    for (let i = 0; i < 3; i++) {
      const forced = await ask({ type: 'priority', providers: { anthropic: {} } });
      assert.equal(forced.response.headers.get('x-switchyard-provider'), 'anthropic');
      const rated = await fetch(`${gw.url}/v1/feedback`, {
        method: 'POST',
        headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ request_id: forced.response.headers.get('x-request-id'), score: 0.95 }),
      });
      assert.equal(rated.status, 201);
    }
    // …so once the measured quality is read, anthropic meets its bar and, being cheaper, goes first.
    const served = await eventually(
      async () => (await ask(EXAMPLE)).response.headers.get('x-switchyard-provider'),
      (p) => p === 'anthropic',
      'anthropic to meet quality_min for code',
    );
    assert.equal(served, 'anthropic');
    // A chat prompt is another category: anthropic is unmeasured there.
    assert.equal((await ask(EXAMPLE, 'Good morning, how are you?')).response.headers.get('x-switchyard-provider'), 'openai');

    // max_cost per target from catalog prices and the token estimate: openai cannot serve within $0.000001.
    const cheap = await ask({ type: 'priority', providers: { openai: { max_cost: 0.000001 }, google: {} } });
    assert.equal(cheap.response.headers.get('x-switchyard-provider'), 'google');
    assert.equal(cheap.data.choices[0]!.message.content, 'google saw max_tokens,messages,model', 'strategy was stripped before the upstream');
    assert.ok(google.requests.every((r) => !('strategy' in r.body)));
  });

  test('OpenAI SDK: strict checks answer 400 naming the path; a key without the permission gets 403', async () => {
    const allowed = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: await key({ name: 'override-strict', allow_routing_headers: true }), maxRetries: 0 });
    const fail = async (client: OpenAI, strategy: unknown) =>
      (await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }], strategy } as never).then(
        () => assert.fail('expected an error'),
        (e: unknown) => e,
      )) as InstanceType<typeof OpenAI.APIError>;
    for (const [strategy, param] of [
      [{ type: 'weighted', providers: { mistral: { weight: 1 } } }, 'strategy.providers.mistral'],
      [{ type: 'weighted', providers: { openai: { weight: 'lots' } } }, 'strategy.providers.openai.weight'],
      [{ type: 'fastest', providers: { openai: {} } }, 'strategy.type'],
      [{ providers: { openai: { base_url: 'http://elsewhere' } } }, 'strategy.providers.openai.base_url'],
      [{ providers: { openai: { max_cost: 0.000001 } } }, 'strategy.providers.openai.max_cost'],
    ] as const) {
      const e = await fail(allowed, strategy);
      assert.equal(e.status, 400, JSON.stringify(strategy));
      assert.equal((e.error as any).param, param);
      assert.equal((e.error as any).type, 'invalid_request_error');
    }
    const denied = await fail(new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: await key({ name: 'override-denied' }), maxRetries: 0 }), EXAMPLE);
    assert.equal(denied.status, 403);
    assert.equal((denied.error as any).code, 'routing_headers_not_allowed');
    assert.equal((denied.error as any).param, 'strategy');
    const confined = await fail(
      new OpenAI({
        baseURL: `${gw.url}/v1`,
        apiKey: await key({ name: 'override-confined', allow_routing_headers: true, allowed_providers: ['openai'] }),
        maxRetries: 0,
      }),
      EXAMPLE,
    );
    assert.equal(confined.status, 403);
    assert.equal((confined.error as any).param, 'strategy.providers.anthropic');
  });

  test('Anthropic SDK on /v1/messages: the override routes, is stripped before a cross-format upstream, and errors come in Anthropic shape', async () => {
    const client = new Anthropic({ baseURL: gw.url, apiKey: await key({ name: 'override-anthropic', allow_routing_headers: true }), maxRetries: 0 });
    const before = google.requests.length;
    const { data, response } = await client.messages
      .create({
        model: 'smart',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'hello' }],
        strategy: { type: 'priority', providers: { google: {}, openai: { fallback_only: true } } },
      } as never)
      .withResponse();
    assert.equal(response.headers.get('x-switchyard-provider'), 'google');
    assert.equal((data.content[0] as { text: string }).text.startsWith('google saw'), true);
    assert.equal(google.requests.length, before + 1);
    assert.equal('strategy' in google.requests.at(-1)!.body, false);

    const bad = (await client.messages
      .create({
        model: 'smart',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'hello' }],
        strategy: { type: 'weighted', providers: { vertex: {} } },
      } as never)
      .then(
        () => assert.fail('expected a 400'),
        (e: unknown) => e,
      )) as InstanceType<typeof Anthropic.APIError>;
    assert.equal(bad.status, 400);
    assert.equal((bad.error as any).type, 'error');
    assert.equal((bad.error as any).error.type, 'invalid_request_error');
    assert.match((bad.error as any).error.message, /strategy\.providers\.vertex: unknown provider/);

    const deniedClient = new Anthropic({ baseURL: gw.url, apiKey: await key({ name: 'override-anthropic-denied' }), maxRetries: 0 });
    const denied = (await deniedClient.messages
      .create({ model: 'smart', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }], strategy: EXAMPLE } as never)
      .then(
        () => assert.fail('expected a 403'),
        (e: unknown) => e,
      )) as InstanceType<typeof Anthropic.APIError>;
    assert.equal(denied.status, 403);
    assert.equal((denied.error as any).error.type, 'permission_error');
  });
});

describe('the classifier model and the judge model (simulated providers answering labels and grades)', () => {
  let gw: RunningGateway;
  const admin = adminOf(() => gw);
  before(async () => {
    gw = await start({
      experiments: {
        enabled: true,
        categories: {
          routes: { legal: { targets: [{ provider: 'lawyer', model: 'sim-law' }] } },
          classifier: { provider: 'labeller', model: 'sim-label', categories: ['legal', 'code', 'chat'] },
        },
        // One grading costs more than the day's budget: the first is the last (the judge test runs first).
        judge: { provider: 'grader', model: 'sim-grade', sample_rate: 1, daily_budget_usd: 0.5, rubric: 'Legal answers must cite the law.' },
      },
      ai_gateway: {
        providers: [
          { name: 'general', type: 'simulated', models: ['auto'], latency_ms: 1, tokens_per_second: 0, reply: 'general answer' },
          { name: 'lawyer', type: 'simulated', models: ['sim-law'], latency_ms: 1, tokens_per_second: 0, reply: 'see the Housing Act' },
          {
            name: 'labeller',
            type: 'simulated',
            models: ['sim-label'],
            latency_ms: 1,
            tokens_per_second: 0,
            reply: 'legal',
            cost: { input_per_1k: 0.0001, output_per_1k: 0.0001 },
          },
          {
            name: 'grader',
            type: 'simulated',
            models: ['sim-grade'],
            latency_ms: 1,
            tokens_per_second: 0,
            reply: '{"score": 0.9, "reason": "cites the act"}',
            cost: { input_per_1k: 100, output_per_1k: 100 },
          },
        ],
      },
    });
  });
  after(() => gw?.close());

  test('the judge grades after the response; the grade is a `judge` rating per provider/model/category; the daily budget stops grading', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: (await admin('POST', '/keys', { name: 'judged' })).json.key, maxRetries: 0 });
    const answered = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'Is a verbal tenancy binding?' }] });
    assert.equal(answered.choices[0]!.message.content, 'see the Housing Act');
    const quality = await eventually(
      async () => (await admin('GET', '/quality')).json.data.filter((g: any) => g.source === 'judge'),
      (g) => g.length > 0,
      'the judge rating',
    );
    assert.deepEqual(
      quality.map((g: any) => [g.provider, g.model, g.category, g.count, g.mean]),
      [['lawyer', 'sim-law', 'legal', 1, 0.9]],
    );
    // The judge's own usage row carries its cost, past the day's budget: nothing more is graded.
    const judgeRows = await eventually(
      async () => (await admin('GET', '/logs?limit=100')).json.data.filter((r: any) => r.strategy === 'judge'),
      (r) => r.length >= 1,
      'the judge usage row',
    );
    assert.ok(judgeRows[0].costUsd > 0.5, `one grading cost ${judgeRows[0].costUsd}`);
    for (let i = 0; i < 4; i++) await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: `Question ${i} about my lease` }] });
    await new Promise((r) => setTimeout(r, 300));
    const later = (await admin('GET', '/quality')).json.data.filter((g: any) => g.source === 'judge');
    assert.equal(
      later.reduce((n: number, g: any) => n + g.count, 0),
      1,
      'the budget stopped grading',
    );
    assert.equal((await admin('GET', '/logs?limit=100')).json.data.filter((r: any) => r.strategy === 'judge').length, 1);
    // Prometheus counts the grading apart from client requests: its calls, tokens and cost.
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    const sample = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics)?.[1]);
    assert.equal(sample('switchyard_internal_calls_total{purpose="judge",provider="grader",model="sim-grade",outcome="completed"}'), 1);
    assert.ok(sample('switchyard_internal_tokens_total{purpose="judge",provider="grader",model="sim-grade",direction="input"}') > 0);
    assert.equal(sample('switchyard_internal_cost_usd_total{purpose="judge",provider="grader",model="sim-grade"}'), judgeRows[0].costUsd);
    assert.ok(sample('switchyard_internal_calls_total{purpose="classifier",provider="labeller",model="sim-label",outcome="completed"}') >= 1);
    assert.doesNotMatch(metrics, /switchyard_requests_total\{provider="grader"/, 'a grading is not a client request');
  });

  test('the classifier labels a prompt the rules call chat, the label routes it, and a repeated prompt is answered from the cache', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: (await admin('POST', '/keys', { name: 'classified' })).json.key, maxRetries: 0 });
    const ask = () =>
      client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'Can my landlord keep the deposit?' }] }).withResponse();
    const classifierRows = async () => (await admin('GET', '/logs?limit=100')).json.data.filter((r: any) => r.strategy === 'classifier');
    const earlier = (await classifierRows()).length; // the judge test's prompts were classified too
    const first = await ask();
    assert.equal(first.response.headers.get('x-switchyard-category'), 'legal');
    assert.equal(first.response.headers.get('x-switchyard-provider'), 'lawyer');
    const second = await ask();
    assert.equal(second.response.headers.get('x-switchyard-category'), 'legal');
    // Each classifier call is a usage row of its own (strategy `classifier`, no key), priced from the catalog.
    const rows = await eventually(classifierRows, (r) => r.length >= earlier + 1, 'the classifier usage row');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await classifierRows()).length, earlier + 1, 'the second, identical prompt came from the cache');
    assert.deepEqual([rows[0].provider, rows[0].keyId, rows[0].status], ['labeller', null, 200]);
    assert.ok(rows[0].costUsd > 0);
  });
});

describe('a failing judge and a stalled classifier (real HTTP upstream on 127.0.0.1)', () => {
  let gw: RunningGateway;
  let flaky: Upstream;
  const admin = adminOf(() => gw);
  before(async () => {
    // Serves clients; fails every grading with a 500; never finishes a classification.
    flaky = await startUpstream((r) => {
      const system = JSON.stringify((r.body.messages as unknown[])?.[0] ?? '');
      if (system.includes('strict grader')) return { status: 500, json: { error: { message: 'judge down', type: 'server_error' } } };
      if (system.includes('You label requests')) return { sse: ['data: {}\n\n', 'data: {}\n\n'], delayMs: 10_000 };
      return { json: completion('client answer') };
    });
    gw = await start({
      experiments: {
        enabled: true,
        categories: { classifier: { provider: 'flaky', model: 'smart', timeout: '300ms' } },
        judge: { provider: 'flaky', model: 'smart', sample_rate: 1 },
      },
      ai_gateway: {
        routing: { failover: { circuit_breaker: { failure_threshold: 2 } } },
        providers: [{ name: 'flaky', type: 'openai', base_url: `${flaky.url}/v1`, api_key: 'sk-flaky-upstream', models: ['smart'] }],
      },
    });
  });
  after(async () => {
    await gw?.close();
    await flaky?.close();
  });

  test("judge failures never touch the client's answer or the provider's health; a stalled classifier falls back to the rules", async () => {
    const key = (await admin('POST', '/keys', { name: 'flaky-client' })).json.key;
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    for (let i = 0; i < 5; i++) {
      const { data, response } = await client.chat.completions
        .create({ model: 'smart', messages: [{ role: 'user', content: `Fix this bug: \`\`\`const x${i} = 1\`\`\`` }] })
        .withResponse();
      assert.equal(data.choices[0]!.message.content, 'client answer');
      assert.equal(response.headers.get('x-switchyard-category'), 'code', 'the rules decided');
    }
    const graded = await eventually(
      async () => flaky.requests.filter((r) => JSON.stringify(r.body).includes('strict grader')).length,
      (n) => n === 5,
      'five failed gradings',
    );
    assert.equal(graded, 5);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual((await admin('GET', '/quality')).json.data, [], 'a failed grading stores nothing');
    const failed = await eventually(
      async () =>
        (await (await fetch(`${gw.url}/metrics`)).text()).match(
          /^switchyard_internal_calls_total\{purpose="judge",provider="flaky",model="smart",outcome="failed"\} (\d+)$/m,
        )?.[1],
      (n) => n === '5',
      'five failed judge calls in the metrics',
    );
    assert.equal(failed, '5');
    // Five judge failures on a breaker that opens after two: the provider is still healthy.
    const health = (await (await fetch(`${gw.url}/v1/providers/health`, { headers: { authorization: `Bearer ${key}` } })).json()) as any;
    const view = health.providers.find((p: any) => p.name === 'flaky');
    assert.deepEqual([view.status, view.circuit, view.error_rate, view.requests], ['healthy', 'closed', 0, 5], JSON.stringify(view));
    const next = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'still there?' }] });
    assert.equal(next.choices[0]!.message.content, 'client answer');
  });
});

describe('judge grades in an A/B test whose figures come from the request log (SQLite)', () => {
  let gw: RunningGateway;
  const admin = adminOf(() => gw);
  before(async () => {
    gw = await start({
      experiments: { enabled: true, judge: { provider: 'grader', model: 'sim-grade', sample_rate: 1 } },
      ai_gateway: {
        providers: [
          { name: 'arm-a', type: 'simulated', models: ['sim-ab'], latency_ms: 1, tokens_per_second: 0, reply: 'a' },
          { name: 'arm-b', type: 'simulated', models: ['sim-ab'], latency_ms: 1, tokens_per_second: 0, reply: 'b' },
          { name: 'grader', type: 'simulated', models: ['sim-grade'], latency_ms: 1, tokens_per_second: 0, reply: '{"score": 0.5}' },
        ],
      },
    });
  });
  after(() => gw?.close());

  test("a request rated by its client and graded by the judge counts once, with both ratings in its arm's quality", async () => {
    const started = await admin('POST', '/experiments', {
      id: 'a-vs-b',
      match: { models: ['sim-ab'] },
      arms: [
        { name: 'a', provider: 'arm-a', model: 'sim-ab', share: 1 },
        { name: 'b', provider: 'arm-b', model: 'sim-ab', share: 1 },
      ],
      min_samples: 2,
    });
    assert.equal(started.status, 201);
    const key = (await admin('POST', '/keys', { name: 'ab-judged' })).json.key;
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { response } = await client.chat.completions
        .create({ model: 'sim-ab', user: `u${i}`, messages: [{ role: 'user', content: `question ${i}` }] })
        .withResponse();
      ids.push(response.headers.get('x-request-id')!);
    }
    await eventually(
      async () => (await admin('GET', '/quality')).json.data.filter((g: any) => g.source === 'judge').reduce((n: number, g: any) => n + g.count, 0),
      (n) => n === 6,
      'six judge grades',
    );
    const rated = await fetch(`${gw.url}/v1/feedback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ request_id: ids[0], score: 1 }),
    });
    assert.equal(rated.status, 201);
    const report = (await admin('GET', '/experiments/a-vs-b')).json;
    const arms = report.arms.map((a: any) => [a.requests, a.qualityRatings]);
    assert.equal(arms[0][0] + arms[1][0], 6, `six requests, each counted once: ${JSON.stringify(arms)}`);
    assert.equal(arms[0][1] + arms[1][1], 7, `six judge grades and one client rating: ${JSON.stringify(arms)}`);
  });

  test('streamed answers (OpenAI and Anthropic SDKs) are graded on the text the client received, after the stream ended', async () => {
    const judged = async () =>
      (await admin('GET', '/quality')).json.data.filter((g: any) => g.source === 'judge').reduce((n: number, g: any) => n + g.count, 0);
    const before = await judged();
    const key = (await admin('POST', '/keys', { name: 'streams-judged' })).json.key;
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    let text = '';
    for await (const chunk of await openai.chat.completions.create({ model: 'sim-ab', stream: true, messages: [{ role: 'user', content: 'stream me' }] }))
      text += chunk.choices[0]?.delta?.content ?? '';
    assert.match(text, /^[ab]$/);
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 });
    const message = await anthropic.messages.stream({ model: 'sim-ab', max_tokens: 20, messages: [{ role: 'user', content: 'stream me too' }] }).finalMessage();
    assert.match((message.content[0] as { text: string }).text, /^[ab]$/);
    assert.equal(await eventually(judged, (n) => n === before + 2, 'two more judge grades'), before + 2);
  });
});
