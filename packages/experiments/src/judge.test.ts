import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Exchange, MemoryStore } from '@switchyard/core';
import { seeded } from '@switchyard/core/testing';
import { experiments } from './experiments.js';
import type { ModelCall, ModelCallRequest } from './model-call.js';
import { sqliteFeedbackStore } from './sql-feedback-store.js';

const ANSWER = JSON.stringify({
  id: 'c1',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Use a Map keyed by id.' }, finish_reason: 'stop' }],
});

/** Run one request through the piece the way the executor and the server would: a served JSON answer, then settlement. */
async function serve(exp: ReturnType<typeof experiments>, content: string, options: { status?: number; stream?: string[] } = {}) {
  const exchange = new Exchange({ format: 'openai.chat', body: { model: 'm', messages: [{ role: 'user', content }] }, headers: {} });
  exchange.plan = { strategy: 'priority', targets: [{ provider: 'openai', model: 'gpt-4o-mini', reason: 'default' }] };
  let delivered = '';
  await exp.middleware(exchange, async () => {
    exchange.attempts.push({
      target: { provider: 'openai', model: 'gpt-4o-mini' },
      startedAt: 0,
      endedAt: 1,
      outcome: (options.status ?? 200) < 400 ? 'success' : 'failure',
    });
    exchange.response = options.stream
      ? {
          kind: 'stream',
          status: 200,
          headers: {},
          events: (async function* () {
            for (const text of options.stream!) yield { data: JSON.stringify({ choices: [{ index: 0, delta: { content: text } }] }) };
            yield { data: '[DONE]' };
          })(),
        }
      : { kind: 'json', status: options.status ?? 200, headers: {}, body: ANSWER };
  });
  // The server writes the answer to the client…
  const response = exchange.response!;
  if (response.kind === 'json') delivered = response.body;
  else for await (const e of response.events) delivered += typeof e === 'string' ? e : e.data;
  // …and settles the exchange once it is out.
  exchange.settle({ outcome: 'completed', status: options.status ?? 200 });
  return { exchange, delivered };
}

function judgeModel(reply: (request: ModelCallRequest) => string | Error, costUsd = 0.01) {
  const calls: ModelCallRequest[] = [];
  const call: ModelCall = async (request) => {
    calls.push(request);
    const text = reply(request);
    if (text instanceof Error) throw text;
    return { text, costUsd };
  };
  return { call, calls };
}

test('a judged request gets a score row (source judge) after its answer was delivered, aggregated per provider/model/category', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-judge-'));
  const db = new Database(join(dir, 'db.sqlite'));
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const store = sqliteFeedbackStore(db);
  const model = judgeModel(() => '```json\n{"score": 0.75, "reason": "correct but terse"}\n```');
  const exp = experiments({
    feedbackStore: store,
    call: model.call,
    judge: { provider: 'anthropic', model: 'claude-haiku-4-5', sampleRate: 1, rubric: 'Code must compile.' },
    categoryRules: [],
    categoryRoutes: { code: { targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] } },
  });
  const { exchange, delivered } = await serve(exp, 'How do I dedupe this array in a function?');
  assert.equal(delivered, ANSWER, 'the client gets the answer as the provider gave it');
  assert.equal(model.calls.length, 0, 'nothing is graded before the response is out');
  await exp.judge!.idle();
  assert.equal(model.calls.length, 1);
  assert.match(model.calls[0]!.system, /Code must compile\./);
  assert.match(model.calls[0]!.prompt, /dedupe this array[\s\S]*Use a Map keyed by id\./);
  const row = await store.get(exchange.id, 'judge');
  assert.deepEqual(
    [row?.score, row?.source, row?.provider, row?.model, row?.category, row?.comment],
    [0.75, 'judge', 'openai', 'gpt-4o-mini', 'code', 'correct but terse'],
  );
  const groups = await exp.quality(0, Date.now() + 1);
  assert.deepEqual(
    groups.map((g) => [g.source, g.category, g.count, g.mean]),
    [['judge', 'code', 1, 0.75]],
  );
  // Streams are graded on the text the client received.
  await serve(exp, 'Write a function', { stream: ['Here ', 'it is.'] });
  await exp.judge!.idle();
  assert.match(model.calls[1]!.prompt, /Answer:\nHere it is\./);
  // A failed request is not graded.
  await serve(exp, 'broken', { status: 502 });
  await exp.judge!.idle();
  assert.equal(model.calls.length, 2);
});

test('seeded sampling grades about the configured share; the daily budget stops grading', async () => {
  const model = judgeModel(() => '{"score": 1}', 0);
  const sampled = experiments({ call: model.call, judge: { provider: 'a', model: 'j', sampleRate: 0.2 }, random: seeded(5) });
  for (let i = 0; i < 300; i++) {
    await serve(sampled, `question ${i}`);
    await sampled.judge!.idle();
  }
  assert.ok(model.calls.length > 40 && model.calls.length < 80, `${model.calls.length} of 300 graded at a 0.2 share`);

  const priced = judgeModel(() => '{"score": 0.5}', 0.02);
  const capped = experiments({ call: priced.call, judge: { provider: 'a', model: 'j', sampleRate: 1, dailyBudgetUsd: 0.05 } });
  for (let i = 0; i < 10; i++) {
    await serve(capped, `question ${i}`);
    await capped.judge!.idle();
  }
  assert.equal(priced.calls.length, 3, '0.02 + 0.02 + 0.02 reaches the 0.05 budget; nothing more is graded today');
  assert.deepEqual(capped.judge!.stats(), { calls: 3, spentUsd: 0.06, inFlight: 0 });

  // A burst: four answers go out before any of their gradings started. Gradings under way count
  // at the last grading's cost, so the burst stops at the budget instead of running past it.
  const burst = judgeModel(() => '{"score": 0.5}', 0.02);
  const bursty = experiments({ call: burst.call, judge: { provider: 'a', model: 'j', sampleRate: 1, dailyBudgetUsd: 0.05, maxConcurrent: 8 } });
  await serve(bursty, 'first');
  await bursty.judge!.idle();
  for (let i = 0; i < 4; i++) await serve(bursty, `burst ${i}`);
  await bursty.judge!.idle();
  assert.equal(burst.calls.length, 3, '0.02 spent, then two more fit under 0.05 while under way; the other two are not graded');
});

test('instances sharing a spend store keep one daily budget: the second sees what the first spent', async () => {
  const spendStore = new MemoryStore({ sweepIntervalMs: 0 });
  const model = judgeModel(() => '{"score": 0.5}', 0.02);
  const judgeOptions = { provider: 'a', model: 'j', sampleRate: 1, dailyBudgetUsd: 0.05 };
  const one = experiments({ call: model.call, judge: judgeOptions, spendStore });
  const two = experiments({ call: model.call, judge: judgeOptions, spendStore });
  for (let i = 0; i < 2; i++) {
    await serve(one, `on one ${i}`);
    await one.judge!.idle();
  }
  for (let i = 0; i < 5; i++) {
    await serve(two, `on two ${i}`);
    await two.judge!.idle();
  }
  await serve(one, 'on one again');
  await one.judge!.idle();
  assert.equal(model.calls.length, 3, '0.04 spent on one; two grades once more (0.06); then neither grades: as one instance would');
  assert.equal(two.judge!.stats().spentUsd, 0.06, 'the second instance reports the shared spend');
  assert.equal(await spendStore.get(`judge:${Math.floor(Date.now() / 86_400_000)}`), 60_000_000, 'nano-dollars under the UTC day');

  // Without the shared store each instance spends the whole budget: what the store prevents.
  const alone = judgeModel(() => '{"score": 0.5}', 0.02);
  for (const exp of [experiments({ call: alone.call, judge: judgeOptions }), experiments({ call: alone.call, judge: judgeOptions })]) {
    for (let i = 0; i < 5; i++) {
      await serve(exp, `alone ${i}`);
      await exp.judge!.idle();
    }
  }
  assert.equal(alone.calls.length, 6);
});

test('judge failures (errors, answers that are no score) leave the client answer alone and store nothing', async () => {
  const store = new (await import('./feedback.js')).MemoryFeedbackStore();
  const warnings: string[] = [];
  const logger = { warn: (_o: unknown, msg: string) => void warnings.push(msg), info() {}, error() {}, debug() {} } as never;
  let n = 0;
  const model = judgeModel(() => (n++ % 2 === 0 ? new Error('upstream 500') : 'great answer, 9/10'));
  const exp = experiments({ feedbackStore: store, call: model.call, judge: { provider: 'a', model: 'j', sampleRate: 1 }, logger });
  for (let i = 0; i < 4; i++) {
    const { exchange, delivered } = await serve(exp, `q ${i}`);
    assert.equal(delivered, ANSWER);
    await exp.judge!.idle();
    assert.equal(await store.get(exchange.id, 'judge'), undefined);
  }
  assert.equal(model.calls.length, 4);
  assert.deepEqual(warnings, Array(4).fill('judge grading failed'));
});
