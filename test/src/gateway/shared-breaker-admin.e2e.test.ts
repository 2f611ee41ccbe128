/**
 * Two gateway instances on one Redis: when one opens a breaker, the other routes around the
 * target, and its admin API says so (stats and availability show what routing uses, not only
 * this process's own breakers).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startRedis, type TestStoreServer } from '@switchyard/stores/testing';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { startUpstream, type Upstream } from '../support/upstream.js';
import { ADMIN_TOKEN, adminClient, openaiCompletion, openaiError } from './helpers.js';

let redis: TestStoreServer;
let bad: Upstream;
let good: Upstream;
let A: RunningGateway;
let B: RunningGateway;

before(async () => {
  redis = await startRedis();
  [bad, good] = await Promise.all([
    startUpstream({ status: 500, json: openaiError(500) }),
    startUpstream({ json: openaiCompletion('gpt-4o-mini', 'from backup') }),
  ]);
  const config = {
    admin: { token: ADMIN_TOKEN },
    storage: { sqlite_path: ':memory:', redis_url: redis.url },
    ai_gateway: {
      providers: [
        { name: 'p-bad', type: 'openai', base_url: `${bad.url}/v1`, api_key: 'sk-upstream-bad-0123456789', models: ['gpt-4o-mini'] },
        { name: 'p-good', type: 'openai', base_url: `${good.url}/v1`, api_key: 'sk-upstream-good-0123456789', models: ['gpt-4o-mini'] },
      ],
      routing: {
        strategy: 'priority',
        providers: [
          { name: 'p-bad', priority: 1 },
          { name: 'p-good', priority: 2 },
        ],
        failover: { max_retries: 0, circuit_breaker: { failure_threshold: 2, timeout: '60s' } },
      },
      model_mapping: { chat: { 'p-bad': 'gpt-4o-mini', 'p-good': 'gpt-4o-mini' } },
    },
  };
  [A, B] = await Promise.all([startGateway({ config: structuredClone(config) }), startGateway({ config: structuredClone(config) })]);
});

after(async () => {
  await Promise.all([A.close(), B.close()]);
  await Promise.all([bad.close(), good.close()]);
  await redis.stop();
});

const chat = (gw: RunningGateway) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
  });

test("instance B's admin API shows the breaker instance A opened, as routing honours it", async () => {
  // A's requests fail on p-bad (then are served by p-good) until A opens p-bad's breaker.
  for (let i = 0; i < 2; i++) assert.equal((await chat(A)).status, 200);
  const adminA = adminClient(A.url);
  const openOnA = (await adminA('GET', '/providers/p-bad/stats')).json.breakers as Array<{ model: string; state: string }>;
  assert.equal(openOnA.find((b) => b.model === 'gpt-4o-mini')?.state, 'open');

  // B never tried p-bad, yet routes around it: no request reaches the bad upstream.
  const before = bad.requests.length;
  const res = await chat(B);
  assert.equal(res.headers.get('x-switchyard-provider'), 'p-good');
  assert.equal(bad.requests.length, before);

  // B's admin API shows that same state.
  const adminB = adminClient(B.url);
  const stats = await adminB('GET', '/providers/p-bad/stats');
  assert.equal(stats.status, 200);
  const breaker = (stats.json.breakers as Array<{ model: string; state: string; shared?: boolean; openUntil?: number }>).find((b) => b.model === 'gpt-4o-mini');
  assert.equal(breaker?.state, 'open');
  assert.equal(breaker?.shared, true);
  assert.ok(breaker!.openUntil! > Date.now());
  assert.equal(stats.json.circuit, 'open');
  assert.deepEqual(
    (stats.json.models as Array<{ name: string; circuit: string; status: string }>).map(({ name, circuit, status }) => ({ name, circuit, status })),
    [{ name: 'gpt-4o-mini', circuit: 'open', status: 'down' }],
  );
  // The providers list shows the same view as the stats.
  const listed = (
    (await adminB('GET', '/providers')).json.providers as Array<{ name: string; circuit: string; models: Array<{ name: string; circuit: string }> }>
  ).find((p) => p.name === 'p-bad');
  assert.equal(listed?.circuit, 'open');
  assert.deepEqual(
    listed?.models.map(({ name, circuit }) => ({ name, circuit })),
    [{ name: 'gpt-4o-mini', circuit: 'open' }],
  );
  const costs = await adminB('POST', '/costs/analyze', { model: 'chat', input_tokens: 10, output_tokens: 10 });
  assert.equal(costs.status, 200);
  const byProvider = Object.fromEntries((costs.json.providers as Array<{ provider: string; available: boolean }>).map((p) => [p.provider, p.available]));
  assert.deepEqual(byProvider, { 'p-bad': false, 'p-good': true });
});
