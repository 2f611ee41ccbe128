/**
 * A/B tests and canaries outlive the gateway and are shared by its instances: definitions and
 * states are kept in the database, and an A/B test's figures are summed up from the request log
 * there. A restart is a new gateway on the same SQLite file; two gateways share one PostgreSQL.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startPostgres, type TestStoreServer } from '@switchyard/stores/testing';
import { startGateway, type RunningGateway } from './support/gateway.js';

const ADMIN = 'admin-token-experiments-persist-0123';

const config = (storage: Record<string, unknown>) => ({
  admin: { token: ADMIN },
  auth: { required: true, master_key: Buffer.alloc(32, 7).toString('base64') },
  storage,
  usage: { flush_interval: '100ms' },
  experiments: { enabled: true, canary_evaluation_interval: '200ms' },
  ai_gateway: {
    providers: [
      { name: 'sim-steady', type: 'simulated', models: ['sim-ab', 'sim-canary'], latency_ms: 1, tokens_per_second: 0, reply: 'steady answer' },
      { name: 'sim-broken', type: 'simulated', models: ['sim-ab', 'sim-canary'], latency_ms: 1, tokens_per_second: 0, error_rate: 1 },
    ],
  },
});

const EXPERIMENT = {
  id: 'steady-vs-broken',
  match: { models: ['sim-ab'] },
  arms: [
    { name: 'steady', provider: 'sim-steady', model: 'sim-ab', share: 1 },
    { name: 'broken', provider: 'sim-broken', model: 'sim-ab', share: 1 },
  ],
  min_samples: 5,
};
const CANARY = {
  id: 'slow-ramp',
  models: ['sim-canary'],
  baseline: { provider: 'sim-steady', model: 'sim-canary' },
  candidate: { provider: 'sim-steady', model: 'sim-canary' },
  steps: [10, 50, 100],
  stepDurationMs: 3_600_000,
  minSamples: 1000,
  criteria: { maxErrorRate: 0.05 },
};

const admin = async (gw: RunningGateway, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${gw.url}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
};

/** Ask through `gw` as `user`: which arm served, whether it succeeded, and the request id. */
async function ask(gw: RunningGateway, key: string, user: string) {
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
  try {
    const { response } = await client.chat.completions.create({ model: 'sim-ab', user, messages: [{ role: 'user', content: 'which arm?' }] }).withResponse();
    return { arm: response.headers.get('x-switchyard-experiment'), ok: true, id: response.headers.get('x-request-id')! };
  } catch (err) {
    return { arm: (err as InstanceType<typeof OpenAI.APIError>).headers?.get?.('x-switchyard-experiment') ?? null, ok: false, id: '' };
  }
}

const figures = (report: any) => report.arms.map((a: any) => [a.name, a.requests, a.successRate, a.qualityRatings, a.qualityMean]);

async function poll<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('SQLite: a restart is a new gateway on the same file', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'sy-exp-persist-')), 'switchyard.db');
  let gw: RunningGateway | undefined;
  after(() => gw?.close());

  test('an A/B test keeps its definition, state and figures (from the request log) across restarts; a declaration too', async () => {
    gw = await startGateway({ config: config({ sqlite_path: file }) });
    const key = (await admin(gw, 'POST', '/keys', { name: 'ab-client' })).json.key as string;
    assert.equal((await admin(gw, 'POST', '/experiments', EXPERIMENT)).status, 201);
    let steadyId = '';
    for (let i = 0; i < 30; i++) {
      const answer = await ask(gw, key, `user-${i}`);
      assert.ok(answer.arm?.startsWith('steady-vs-broken/'), String(answer.arm));
      if (answer.ok) steadyId = answer.id;
    }
    const rated = await fetch(`${gw.url}/v1/feedback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ request_id: steadyId, score: 0.9 }),
    });
    assert.equal(rated.status, 201);
    const before = (await admin(gw, 'GET', '/experiments/steady-vs-broken')).json;
    assert.equal(before.arms[0].requests + before.arms[1].requests, 30, JSON.stringify(figures(before)));
    assert.deepEqual([before.arms[0].successRate, before.arms[1].successRate, before.arms[0].qualityRatings, before.arms[0].qualityMean], [1, 0, 1, 0.9]);
    assert.equal(before.verdict, 'winner');
    await gw.close();

    gw = await startGateway({ config: config({ sqlite_path: file }) });
    const restarted = (await admin(gw, 'GET', '/experiments/steady-vs-broken')).json;
    assert.deepEqual(figures(restarted), figures(before), 'the figures are the same after the restart');
    assert.deepEqual([restarted.status, restarted.startedAt, restarted.verdict, restarted.winner], ['running', before.startedAt, 'winner', 'steady']);
    assert.equal((await admin(gw, 'POST', '/experiments', EXPERIMENT)).status, 409, 'still running: the id is taken');
    const more = await ask(gw, key, 'user-0');
    assert.ok(more.arm?.startsWith('steady-vs-broken/'), 'the restarted gateway still enrols matching requests');
    const counted = (await admin(gw, 'GET', '/experiments/steady-vs-broken')).json;
    assert.equal(counted.arms[0].requests + counted.arms[1].requests, 31, 'new requests add to the stored figures');

    const declared = await admin(gw, 'POST', '/experiments/steady-vs-broken/declare', { arm: 'steady' });
    assert.deepEqual([declared.json.status, declared.json.declaredWinner], ['stopped', 'steady']);
    await gw.close();

    gw = await startGateway({ config: config({ sqlite_path: file }) });
    const stopped = (await admin(gw, 'GET', '/experiments/steady-vs-broken')).json;
    assert.deepEqual([stopped.status, stopped.declaredWinner, stopped.stoppedAt], ['stopped', 'steady', declared.json.stoppedAt]);
    assert.deepEqual(figures(stopped), figures(counted));
    assert.equal((await ask(gw, key, 'user-0')).arm, null, 'a stopped experiment enrols nobody after a restart');
    assert.equal((await admin(gw, 'GET', '/experiments')).json.data.length, 1);
  });

  test('a canary an operator moved keeps its step and history across a restart', async () => {
    gw ??= await startGateway({ config: config({ sqlite_path: file }) });
    assert.equal((await admin(gw, 'POST', '/canaries', CANARY)).status, 201);
    const promoted = (await admin(gw, 'POST', '/canaries/slow-ramp/promote', { reason: 'looks good' })).json;
    assert.deepEqual([promoted.state.status, promoted.share], ['ramping', 50]);
    await gw.close();
    gw = await startGateway({ config: config({ sqlite_path: file }) });
    const canary = (await admin(gw, 'GET', '/canaries/slow-ramp')).json;
    assert.deepEqual([canary.state.status, canary.share], ['ramping', 50]);
    assert.deepEqual(
      canary.state.history.map((h: any) => [h.from, h.to, h.share, h.reason, h.criterion]),
      [['ramping', 'ramping', 50, 'looks good', 'operator']],
    );
    const full = (await admin(gw, 'POST', '/canaries/slow-ramp/promote', { full: true })).json;
    assert.deepEqual([full.state.status, full.share, full.state.history.length], ['promoted', 100, 2]);
    const back = (await admin(gw, 'POST', '/canaries/slow-ramp/rollback', { reason: 'regressed after promotion' })).json;
    assert.deepEqual([back.state.status, back.share, back.state.history.at(-1).criterion], ['rolled_back', 0, 'operator']);
    assert.equal((await admin(gw, 'POST', '/canaries/slow-ramp/promote', { full: 'yes' })).status, 400);
  });
});

describe('PostgreSQL: two gateways on one database see the same experiments', () => {
  let pg: TestStoreServer;
  let a: RunningGateway;
  let b: RunningGateway;
  before(async () => {
    pg = await startPostgres();
    a = await startGateway({ config: config({ postgres_url: pg.url }) });
    b = await startGateway({ config: config({ postgres_url: pg.url }) });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await pg?.stop();
  });

  test('started on one, listed, counted and stopped on the other', async () => {
    const key = (await admin(a, 'POST', '/keys', { name: 'pg-client' })).json.key as string;
    assert.equal((await admin(a, 'POST', '/experiments', EXPERIMENT)).status, 201);
    assert.deepEqual(
      (await admin(b, 'GET', '/experiments')).json.data.map((e: any) => [e.id, e.status]),
      [['steady-vs-broken', 'running']],
    );
    assert.equal((await admin(b, 'POST', '/experiments', EXPERIMENT)).status, 409, 'the other instance knows the id is running');

    for (let i = 0; i < 10; i++) {
      assert.ok((await ask(a, key, `a-${i}`)).arm, 'A enrols');
      assert.ok((await ask(b, key, `b-${i}`)).arm, 'B enrols');
    }
    // Each instance's request log flushes on its own (100 ms); both reports count all 20 requests.
    for (const gw of [a, b]) {
      await poll(
        'requests of both instances',
        async () => (await admin(gw, 'GET', '/experiments/steady-vs-broken')).json,
        (r) => r.arms[0].requests + r.arms[1].requests === 20,
      );
    }

    assert.equal((await admin(b, 'POST', '/experiments/steady-vs-broken/stop')).json.status, 'stopped');
    assert.equal((await admin(a, 'GET', '/experiments/steady-vs-broken')).json.status, 'stopped', 'A reads the stop at once');
    await poll(
      'A stops enrolling within one refresh interval',
      () => ask(a, key, 'a-late'),
      (answer) => answer.arm === null,
    );
    assert.equal((await admin(a, 'POST', '/experiments', EXPERIMENT)).status, 201, 'a stopped experiment can be started again');
    const fresh = (await admin(b, 'GET', '/experiments/steady-vs-broken')).json;
    assert.deepEqual([fresh.status, fresh.arms[0].requests + fresh.arms[1].requests], ['running', 0], 'a new run counts from its own start');
  });
});
