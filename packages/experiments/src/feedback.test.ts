import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startPostgres } from '@switchyard/stores/testing';
import { experiments } from './experiments.js';
import { MemoryFeedbackStore, parseFeedback, type FeedbackStore, type RatedRequest } from './feedback.js';
import { postgresFeedbackStore, sqliteFeedbackStore } from './sql-feedback-store.js';

const log: Record<string, RatedRequest> = {
  'req-a1': { principalId: 'key_a', provider: 'openai', model: 'gpt-4o-mini' },
  'req-a2': { principalId: 'key_a', provider: 'openai', model: 'gpt-4o-mini' },
  'req-a3': { principalId: 'key_a', provider: 'anthropic', model: 'claude-sonnet-4-5' },
  'req-b1': { principalId: 'key_b', provider: 'openai', model: 'gpt-4o-mini' },
};

async function storeContract(t: TestContext, store: FeedbackStore) {
  let clock = 1_000;
  const exp = experiments({ feedbackStore: store, lookup: async (id) => log[id], now: () => clock++ });
  await t.test('the key that made a request rates it; a re-rating replaces the first', async () => {
    const first = await exp.rate({ request_id: 'req-a1', thumbs: 'down', comment: 'wrong' }, undefined, 'key_a');
    assert.equal(first.score, 0);
    await exp.rate({ score: 1, label: 'fixed' }, 'req-a1', 'key_a'); // the id from the x-request-id header
    const stored = await store.get('req-a1');
    assert.deepEqual(
      { score: stored!.score, label: stored!.label, comment: stored!.comment, provider: stored!.provider },
      { score: 1, label: 'fixed', comment: null, provider: 'openai' },
    );
  });
  await t.test('another key (or an unknown id) gets 404, and the rating is not stored', async () => {
    await assert.rejects(exp.rate({ request_id: 'req-b1', score: 0 }, undefined, 'key_a'), (e: any) => e.status === 404 && e.code === 'request_not_found');
    await assert.rejects(exp.rate({ request_id: 'req-zz', score: 0 }, undefined, 'key_a'), (e: any) => e.status === 404);
    await assert.rejects(exp.rate({ request_id: 'req-b1', score: 0 }, undefined, null), (e: any) => e.status === 404);
    assert.equal(await store.get('req-b1'), undefined);
  });
  await t.test('quality is aggregated per provider/model with a 95% interval', async () => {
    await exp.rate({ request_id: 'req-a2', score: 0.5 }, undefined, 'key_a');
    await exp.rate({ request_id: 'req-a3', score: 0.9 }, undefined, 'key_a');
    const groups = await exp.quality(0, clock + 1);
    const mini = groups.find((g) => g.model === 'gpt-4o-mini')!;
    assert.equal(mini.count, 2);
    assert.equal(mini.mean, 0.75);
    assert.ok(mini.ci95!.low < 0.75 && mini.ci95!.high > 0.75);
    const sonnet = groups.find((g) => g.provider === 'anthropic')!;
    assert.deepEqual([sonnet.count, sonnet.mean, sonnet.ci95], [1, 0.9, undefined]);
    assert.deepEqual(await exp.quality(clock + 1, clock + 2), []);
  });
  await t.test("a judge's grade is kept beside the client's rating of the same request and summed up as its own source", async () => {
    const judged = {
      requestId: 'req-a2',
      principalId: null,
      provider: 'openai',
      model: 'gpt-4o-mini',
      category: 'code',
      score: 0.2,
      label: 'judge',
      comment: 'misses the edge case',
      time: clock++,
      source: 'judge' as const,
    };
    await store.put(judged);
    assert.equal((await store.get('req-a2'))!.score, 0.5, "the client's rating is untouched");
    assert.deepEqual(await store.get('req-a2', 'judge'), judged);
    await store.put({ ...judged, score: 0.4, time: clock++ }); // graded again: replaces the judge's grade only
    const groups = await exp.quality(0, clock + 1);
    const judge = groups.filter((g) => g.source === 'judge');
    assert.deepEqual(
      judge.map((g) => [g.provider, g.model, g.category, g.count, g.mean]),
      [['openai', 'gpt-4o-mini', 'code', 1, 0.4]],
    );
    assert.equal(groups.find((g) => g.source === 'user' && g.model === 'gpt-4o-mini')!.count, 2);
  });
}

test('feedback in memory', (t) => storeContract(t, new MemoryFeedbackStore()));

test('feedback in a SQLite file survives reopening', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-feedback-'));
  try {
    const db = new Database(join(dir, 'db.sqlite'));
    await storeContract(t, sqliteFeedbackStore(db));
    db.close();
    const reopened = new Database(join(dir, 'db.sqlite'));
    assert.equal((await sqliteFeedbackStore(reopened).get('req-a3'))!.score, 0.9);
    reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('migrating a version-1 ratings table keeps its rows as client ratings', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-feedback-v1-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = new Database(join(dir, 'db.sqlite'));
  db.exec(
    `CREATE TABLE switchyard_migrations (component TEXT NOT NULL, version INTEGER NOT NULL, description TEXT, applied_at TEXT, PRIMARY KEY (component, version))`,
  );
  db.exec(
    `CREATE TABLE switchyard_feedback (request_id TEXT PRIMARY KEY, principal_id TEXT, provider TEXT, model TEXT, category TEXT, score DOUBLE PRECISION NOT NULL, label TEXT, comment TEXT, time BIGINT NOT NULL)`,
  );
  db.prepare('INSERT INTO switchyard_migrations (component, version, description, applied_at) VALUES (?, ?, ?, ?)').run(
    'experiments',
    1,
    'request ratings',
    'then',
  );
  db.prepare('INSERT INTO switchyard_feedback VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run('old-1', 'key_a', 'openai', 'gpt-4o', null, 0.7, null, null, 5);
  const store = sqliteFeedbackStore(db);
  return store.get('old-1').then((f) => {
    assert.deepEqual([f!.score, f!.source, f!.principalId], [0.7, 'user', 'key_a']);
    db.close();
  });
});

test('feedback in PostgreSQL (real server on loopback)', async (t) => {
  const server = await startPostgres();
  const pool = new pg.Pool({ connectionString: server.url, max: 3 });
  try {
    await storeContract(t, await postgresFeedbackStore(pool));
    assert.equal((await (await postgresFeedbackStore(pool)).get('req-a1'))!.label, 'fixed');
  } finally {
    await pool.end();
    await server.stop();
  }
});

test('feedback bodies are checked and bounded', () => {
  assert.deepEqual(parseFeedback({ request_id: 'r1', thumbs: 'up' }, undefined), { requestId: 'r1', score: 1, label: null, comment: null });
  for (const [body, param] of [
    [{ score: 1 }, 'request_id'],
    [{ request_id: 'r1' }, 'score'],
    [{ request_id: 'r1', score: 1.5 }, 'score'],
    [{ request_id: 'r1', score: '1' }, 'score'],
    [{ request_id: 'r1', thumbs: 'sideways' }, 'thumbs'],
    [{ request_id: 'r1', score: 1, thumbs: 'up' }, 'thumbs'],
    [{ request_id: 'r1', score: 1, label: 'x'.repeat(65) }, 'label'],
    [{ request_id: 'r1', score: 1, comment: 'x'.repeat(2001) }, 'comment'],
    [{ request_id: 'r 1', score: 1 }, 'request_id'],
  ] as const) {
    assert.throws(
      () => parseFeedback(body as Record<string, unknown>, undefined),
      (e: any) => e.status === 400 && e.param === param,
      JSON.stringify(body).slice(0, 80),
    );
  }
});
