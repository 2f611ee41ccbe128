/**
 * Experiments through the composed gateway with the official OpenAI SDK: clients rate their own
 * requests (`POST /v1/feedback`), an A/B test splits a model's traffic between two simulated
 * providers, sticky per user, and its report names the better arm once both have enough requests.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { startGateway, type RunningGateway } from './support/gateway.js';

const ADMIN = 'admin-token-experiments-0123456789';
let gw: RunningGateway;

before(async () => {
  gw = await startGateway({
    config: {
      admin: { token: ADMIN },
      auth: { required: true },
      storage: { sqlite_path: join(mkdtempSync(join(tmpdir(), 'sy-experiments-')), 'switchyard.db') },
      experiments: {
        enabled: true,
        tests: {
          'steady-vs-broken': {
            match: { models: ['sim-ab'] },
            arms: [
              { name: 'steady', provider: 'sim-steady', model: 'sim-ab', share: 1 },
              { name: 'broken', provider: 'sim-broken', model: 'sim-ab', share: 1 },
            ],
            min_samples: 12,
          },
        },
        categories: { routes: { code: { targets: [{ provider: 'sim-coder', model: 'sim-code-model' }] } } },
        canaries: {
          'broken-canary': {
            models: ['sim-canary'],
            baseline: { provider: 'sim-steady', model: 'sim-canary' },
            candidate: { provider: 'sim-broken', model: 'sim-canary' },
            steps: [50, 100],
            min_samples: 10,
            criteria: { max_error_rate: 0.05 },
          },
        },
      },
      ai_gateway: {
        providers: [
          { name: 'sim-steady', type: 'simulated', models: ['sim-ab', 'sim-plain', 'sim-canary'], latency_ms: 1, tokens_per_second: 0, reply: 'steady answer' },
          { name: 'sim-coder', type: 'simulated', models: ['sim-code-model'], latency_ms: 1, tokens_per_second: 0, reply: 'coder answer' },
          { name: 'sim-broken', type: 'simulated', models: ['sim-ab', 'sim-canary'], latency_ms: 1, tokens_per_second: 0, error_rate: 1 },
        ],
      },
    },
  });
});
after(() => gw?.close());

const admin = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${gw.url}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
};
const newKey = async (name: string): Promise<string> => (await admin('POST', '/keys', { name })).json.key;
const feedback = (key: string | undefined, body: unknown) =>
  fetch(`${gw.url}/v1/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });

test('a client rates its own request; another key, or no key, cannot; quality is aggregated per provider/model', async () => {
  const [alice, bob] = [await newKey('alice'), await newKey('bob')];
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: alice, maxRetries: 0 });
  const { response } = await client.chat.completions.create({ model: 'sim-plain', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
  const requestId = response.headers.get('x-request-id')!;

  const byBob = await feedback(bob, { request_id: requestId, score: 0 });
  assert.equal(byBob.status, 404);
  assert.equal(((await byBob.json()) as any).error.code, 'request_not_found');
  assert.equal((await feedback(undefined, { request_id: requestId, score: 0 })).status, 401);
  const bad = await feedback(alice, { request_id: requestId, score: 7 });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as any).error.param, 'score');

  const rated = await feedback(alice, { request_id: requestId, score: 0.8, label: 'helpful', comment: 'short and right' });
  assert.equal(rated.status, 201);
  assert.deepEqual(await rated.json().then((b: any) => [b.request_id, b.score, b.provider, b.model]), [requestId, 0.8, 'sim-steady', 'sim-plain']);

  const quality = await admin('GET', '/quality');
  const row = quality.json.data.find((g: any) => g.model === 'sim-plain');
  assert.deepEqual([row.provider, row.count, row.mean], ['sim-steady', 1, 0.8]);
  assert.equal((await fetch(`${gw.url}/admin/quality`)).status, 401, 'the admin routes need the admin token');
});

test('an A/B test splits traffic sticky per user, rates arms, and names the winner only after the minimum sample', async () => {
  const key = await newKey('ab-client');
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
  const ask = async (user: string) => {
    try {
      const { response } = await client.chat.completions.create({ model: 'sim-ab', user, messages: [{ role: 'user', content: 'which arm?' }] }).withResponse();
      return { arm: response.headers.get('x-switchyard-experiment'), ok: true, id: response.headers.get('x-request-id')! };
    } catch (err) {
      return { arm: (err as InstanceType<typeof OpenAI.APIError>).headers?.get?.('x-switchyard-experiment') ?? null, ok: false, id: '' };
    }
  };
  const first = await ask('user-0');
  for (let i = 0; i < 3; i++) assert.equal((await ask('user-0')).arm, first.arm, 'the same user stays on one arm');

  const early = await admin('GET', '/experiments/steady-vs-broken');
  assert.equal(early.json.verdict, 'insufficient_data');
  assert.equal(early.json.winner, undefined);

  const arms = new Map<string, number>();
  let steadyId = '';
  for (let i = 1; i <= 80; i++) {
    const answer = await ask(`user-${i}`);
    arms.set(answer.arm!, (arms.get(answer.arm!) ?? 0) + 1);
    assert.equal(answer.ok, answer.arm === 'steady-vs-broken/steady', `${answer.arm} served ${answer.ok ? 'ok' : 'an error'}`);
    if (answer.ok) steadyId = answer.id;
  }
  assert.ok((arms.get('steady-vs-broken/steady') ?? 0) >= 12 && (arms.get('steady-vs-broken/broken') ?? 0) >= 12, JSON.stringify([...arms]));

  assert.equal((await feedback(key, { request_id: steadyId, thumbs: 'up' })).status, 201);
  const report = (await admin('GET', '/experiments/steady-vs-broken')).json;
  assert.equal(report.verdict, 'winner');
  assert.equal(report.winner, 'steady');
  const [steady, broken] = report.arms;
  assert.deepEqual([steady.successRate, broken.successRate, steady.qualityRatings, steady.qualityMean], [1, 0, 1, 1]);
  const rate = report.comparisons.find((c: any) => c.metric === 'success_rate');
  assert.equal(rate.method, 'two-proportion z-test');
  assert.ok(rate.significant);

  const declared = await admin('POST', '/experiments/steady-vs-broken/declare', { arm: 'steady' });
  assert.deepEqual([declared.json.status, declared.json.declaredWinner], ['stopped', 'steady']);
  const after = await ask('user-3');
  assert.equal(after.arm, null, 'a stopped experiment enrols nobody');
});

test('experiments are started and checked through the admin API', async () => {
  const refused = await admin('POST', '/experiments', { id: 'x', match: {}, arms: [{ name: 'only', provider: 'sim-steady', model: 'sim-ab', share: 1 }] });
  assert.equal(refused.status, 400);
  assert.match(refused.json.error.message, /arms: 2 to 10/);
  const started = await admin('POST', '/experiments', {
    id: 'plain-split',
    match: { models: ['sim-plain'], metadata: { team: 'search' } },
    arms: [
      { name: 'a', provider: 'sim-steady', model: 'sim-plain', share: 1 },
      { name: 'b', provider: 'sim-steady', model: 'sim-plain', share: 1 },
    ],
    min_samples: 50,
  });
  assert.equal(started.status, 201);
  assert.equal(started.json.minSamples, 50);
  assert.equal((await admin('POST', '/experiments', started.json)).status, 409);
  assert.equal((await admin('GET', '/experiments')).json.data.length, 2);
  assert.equal((await admin('POST', '/experiments/plain-split/stop')).json.status, 'stopped');
  assert.equal((await admin('GET', '/experiments/none')).status, 404);
});

test('a canary that fails is rolled back on its own: the SDK sees the baseline again, the admin API and a metric say why', async () => {
  const key = await newKey('canary-client');
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
  const served: string[] = [];
  for (let i = 0; i < 60 && (await admin('GET', '/canaries/broken-canary')).json.state.status === 'ramping'; i++) {
    try {
      const { response } = await client.chat.completions.create({ model: 'sim-canary', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      served.push(response.headers.get('x-switchyard-canary')!);
    } catch (err) {
      served.push((err as InstanceType<typeof OpenAI.APIError>).headers?.get?.('x-switchyard-canary') ?? 'error');
    }
  }
  // The ramp's share is random per request: the candidate was tried (and failed) before the
  // rollback; the baseline after it is asserted below (a short ramp may not have drawn it yet).
  assert.ok(served.includes('broken-canary/candidate'), served.join());
  const canary = (await admin('GET', '/canaries/broken-canary')).json;
  assert.equal(canary.state.status, 'rolled_back');
  assert.match(canary.state.reason, /^error rate 100\.0% over \d+ requests exceeds 5\.0%$/);
  assert.equal(canary.share, 0);
  for (let i = 0; i < 5; i++) {
    const { response } = await client.chat.completions.create({ model: 'sim-canary', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    assert.equal(response.headers.get('x-switchyard-canary'), 'broken-canary/baseline');
  }
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  assert.match(metrics, /switchyard_canary_transitions_total\{canary="broken-canary",to="rolled_back",criterion="error_rate"\} 1/);
});

test('category routing: a code prompt goes to the configured target, a chat prompt does not, and ratings are kept per category', async () => {
  const key = await newKey('category-client');
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
  const code = await client.chat.completions
    .create({ model: 'sim-plain', messages: [{ role: 'user', content: 'Why does this fail?\n```js\nconst x = y.z;\n```' }] })
    .withResponse();
  assert.equal(code.response.headers.get('x-switchyard-category'), 'code');
  assert.equal(code.response.headers.get('x-switchyard-provider'), 'sim-coder');
  assert.equal(code.data.choices[0]!.message.content, 'coder answer');
  const chat = await client.chat.completions.create({ model: 'sim-plain', messages: [{ role: 'user', content: 'Good morning!' }] }).withResponse();
  assert.equal(chat.response.headers.get('x-switchyard-category'), 'chat');
  assert.equal(chat.response.headers.get('x-switchyard-provider'), 'sim-steady');
  assert.equal((await feedback(key, { request_id: code.response.headers.get('x-request-id'), score: 0.6 })).status, 201);
  const row = (await admin('GET', '/quality')).json.data.find((g: any) => g.provider === 'sim-coder');
  assert.deepEqual([row.category, row.count, row.mean], ['code', 1, 0.6]);
});
