import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { ExperimentDefinition } from './ab-test.js';
import { abTests } from './ab-tests.js';
import { MemoryExperimentStore, sqliteExperimentStore, type ExperimentStore } from './experiment-store.js';
import { RunningMean } from './stats.js';

const definition: ExperimentDefinition = {
  id: 'mini-vs-haiku',
  match: { models: ['fast'] },
  arms: [
    { name: 'control', provider: 'openai', model: 'gpt-4o-mini', share: 1 },
    { name: 'haiku', provider: 'anthropic', model: 'claude-haiku-4-5', share: 1 },
  ],
};

/** Two instances over one store, with one clock. */
function twoInstances(store: ExperimentStore) {
  let clock = 1_000;
  const make = () => abTests({ store, defaults: { minSamples: 10, alpha: 0.05 }, now: () => (clock += 1) });
  return { a: make(), b: make() };
}

for (const [name, store] of [
  ['memory', () => new MemoryExperimentStore()],
  ['sqlite', () => sqliteExperimentStore(new Database(':memory:'))],
] as const) {
  test(`${name}: instances on one store agree on starts, stops and declarations; a running id is taken everywhere`, async () => {
    const { a, b } = twoInstances(store());
    const started = await a.start(definition);
    assert.deepEqual(
      (await b.list()).map((r) => [r.id, r.status, r.startedAt]),
      [['mini-vs-haiku', 'running', started.startedAt]],
    );
    await assert.rejects(b.start(definition), { status: 409, code: 'experiment_exists' });
    assert.equal([...b.match({ model: 'fast' })].length, 1, 'B routes the experiment after reading it');

    const declared = await b.declare('mini-vs-haiku', 'haiku');
    assert.deepEqual([declared.status, declared.declaredWinner], ['stopped', 'haiku']);
    assert.equal([...a.match({ model: 'fast' })].length, 1, 'A routes on its cached state until it re-reads');
    await a.refresh();
    assert.equal([...a.match({ model: 'fast' })].length, 0);
    const seen = await a.report('mini-vs-haiku');
    assert.deepEqual([seen.status, seen.declaredWinner, seen.stoppedAt], ['stopped', 'haiku', declared.stoppedAt]);
    await assert.rejects(a.declare('mini-vs-haiku', 'nope'), { status: 400, code: 'invalid_arm' });

    const again = await a.start(definition);
    assert.ok(again.startedAt > started.startedAt, 'a stopped id can be started again, as a new run');
    assert.equal((await b.report('mini-vs-haiku')).status, 'running');
  });

  test(`${name}: two instances stopping at once both answer stopped, and one write wins`, async () => {
    const s = store();
    const { a, b } = twoInstances(s);
    await a.start(definition);
    await b.refresh();
    const [x, y] = await Promise.all([a.stop('mini-vs-haiku'), b.declare('mini-vs-haiku', 'control')]);
    assert.deepEqual([x.status, y.status], ['stopped', 'stopped']);
    const [stored] = await s.list();
    assert.equal(stored!.state.status, 'stopped');
    assert.deepEqual([stored!.state.version, stored!.state.declaredWinner], [3, 'control'], 'the second write went over the first, never beside it');
  });
}

test('configured experiments are stored at the first start only: a restart keeps the stored (stopped) one', async () => {
  const db = new Database(':memory:');
  const first = abTests({ store: sqliteExperimentStore(db), tests: [definition], defaults: { minSamples: 10, alpha: 0.05 }, now: () => 1_000 });
  await first.refresh();
  await first.stop('mini-vs-haiku');
  const restarted = abTests({ store: sqliteExperimentStore(db), tests: [definition], defaults: { minSamples: 10, alpha: 0.05 }, now: () => 5_000 });
  assert.equal([...restarted.match({ model: 'fast' })].length, 1, 'before reading the store, the configured test runs');
  await restarted.refresh();
  assert.equal([...restarted.match({ model: 'fast' })].length, 0);
  assert.deepEqual((await restarted.report('mini-vs-haiku')).startedAt, 1_000);
});

test('RunningMean.fromSums gives the same mean and variance as adding one by one', () => {
  const values = [3, 7, 7, 19, 0.5, 12];
  const added = new RunningMean();
  for (const v of values) added.add(v);
  const summed = RunningMean.fromSums(
    values.length,
    values.reduce((s, v) => s + v, 0),
    values.reduce((s, v) => s + v * v, 0),
  );
  assert.equal(summed.count, added.count);
  assert.ok(Math.abs(summed.mean - added.mean) < 1e-12);
  assert.ok(Math.abs(summed.variance - added.variance) < 1e-9);
  assert.equal(RunningMean.fromSums(0, 0, 0).count, 0);
});
