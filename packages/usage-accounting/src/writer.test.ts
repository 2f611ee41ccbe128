import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { callbackRequestLogStore } from './callback-store.js';
import { usageAccounting } from './middleware.js';
import type { RequestLogRecord } from './record.js';
import type { StoredRecord } from './store.js';
import { sqliteRequestLogStore } from './sqlite-store.js';
import { RequestLogWriter, storedRecord } from './writer.js';
import { chain, fakeExecutor, OPENAI, post, prices, startKoa } from './harness.test.js';
import { rec } from './store-contract.test.js';

test('N requests in, N records on disk after a graceful stop (batched, nothing written on the request path)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-usage-'));
  const file = join(dir, 'logs.db');
  const db = new Database(file);
  const store = sqliteRequestLogStore(db);
  let writes = 0;
  const counting = {
    ...store,
    write: async (b: Parameters<typeof store.write>[0]) => {
      writes++;
      await store.write(b);
    },
  };
  // A long interval and a big batch: only close() can have written the records.
  const accounting = usageAccounting({ prices, store: counting, batchSize: 40, flushIntervalMs: 3_600_000 });
  const mw = chain(
    async (ex, next) => {
      ex.principal = { id: ex.headers['x-key'] === 'b' ? 'kb' : 'ka', name: 'k', kind: 'key' };
      await next();
    },
    accounting,
    fakeExecutor(() => ({
      attempts: [{ target: OPENAI, outcome: 'success' }],
      json: { body: { choices: [{ index: 0, message: { role: 'assistant', content: 'ok' } }], usage: { prompt_tokens: 10, completion_tokens: 2 } } },
    })),
  );
  const server = await startKoa(mw);
  const N = 30;
  try {
    await Promise.all(
      Array.from({ length: N }, (_, i) => post(`${server.url}/v1/chat/completions`, { model: 'gpt-4o', messages: [] }, { 'x-key': i % 3 === 0 ? 'b' : 'a' })),
    );
  } finally {
    await server.close();
  }
  // Totals are current before anything is written.
  const before = await accounting.usageTotals(['ka', 'kb']);
  assert.equal(before.get('ka')!.requests + before.get('kb')!.requests, N);
  assert.equal(writes, 0, 'no write happened on the request path');
  await accounting.close();
  db.close();
  const reopened = new Database(file, { readonly: true });
  try {
    assert.equal((reopened.prepare('SELECT COUNT(*) AS n FROM switchyard_request_logs').get() as { n: number }).n, N);
    const totals = reopened.prepare('SELECT key_id, requests, input_tokens FROM switchyard_key_usage ORDER BY key_id').all();
    assert.deepEqual(totals, [
      { key_id: 'ka', requests: 20, input_tokens: 200 },
      { key_id: 'kb', requests: 10, input_tokens: 100 },
    ]);
  } finally {
    reopened.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the writer flushes every interval and when a batch is full', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'setImmediate'] });
  const batches: RequestLogRecord[][] = [];
  const writer = new RequestLogWriter({ sink: callbackRequestLogStore((b) => void batches.push([...b])), batchSize: 3, intervalMs: 500 });
  writer.push(rec());
  t.mock.timers.tick(499);
  await Promise.resolve();
  assert.equal(batches.length, 0);
  t.mock.timers.tick(1);
  await writer.flush(); // waits for the interval's flush in progress
  assert.deepEqual(
    batches.map((b) => b.length),
    [1],
  );
  assert.equal('uid' in batches[0]![0]!, false, 'callback records carry no store-internal uid');
  writer.push(rec());
  writer.push(rec());
  writer.push(rec());
  t.mock.timers.tick(0); // the full batch is written on the next turn, not on push
  await writer.flush();
  assert.deepEqual(
    batches.map((b) => b.length),
    [1, 3],
  );
  await writer.close();
});

test('under load, batches stay full: records that arrive during a write wait for a full batch or the interval', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'setImmediate'] });
  const sizes: number[] = [];
  const pending: Array<() => void> = [];
  const writer = new RequestLogWriter({
    sink: { write: (b) => new Promise<void>((resolve) => (sizes.push(b.length), pending.push(resolve))) },
    batchSize: 5,
    intervalMs: 1000,
  });
  const turn = async () => {
    t.mock.timers.tick(0);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  for (let i = 0; i < 5; i++) writer.push(rec());
  await turn();
  assert.deepEqual(sizes, [5]);
  // Two arrive while the first batch is being written; they are not worth a write of their own
  // (each write rewrites the right edge of every index: small batches cost pages per row).
  writer.push(rec());
  writer.push(rec());
  pending.shift()!();
  await turn();
  assert.deepEqual(sizes, [5]);
  assert.equal(writer.buffered, 2);
  for (let i = 0; i < 3; i++) writer.push(rec());
  await turn();
  assert.deepEqual(sizes, [5, 5]);
  pending.shift()!();
  // A partial batch goes at the interval.
  writer.push(rec());
  t.mock.timers.tick(1000);
  for (let i = 0; i < 5; i++) await Promise.resolve();
  assert.deepEqual(sizes, [5, 5, 1]);
  pending.shift()!();
  await writer.close();
});

test('a failing store keeps the records and a later flush writes them; pending totals stay current', async () => {
  let fail = true;
  const written: RequestLogRecord[] = [];
  const writer = new RequestLogWriter({
    sink: callbackRequestLogStore((b) => {
      if (fail) throw new Error('disk full');
      written.push(...b);
    }),
    intervalMs: 3_600_000,
  });
  writer.push(rec({ keyId: 'k', costUsd: 0.25 }));
  writer.push(rec({ keyId: 'k', costUsd: 0.5 }));
  await assert.rejects(writer.flush(), /disk full/);
  assert.equal(writer.buffered, 2);
  assert.equal(writer.pendingTotals('k').spendUsd, 0.75);
  fail = false;
  await writer.close();
  assert.equal(written.length, 2);
  assert.equal(writer.pendingTotals('k').requests, 0);
});

test('retention: the writer prunes records older than retentionMs', async () => {
  const cutoffs: number[] = [];
  const writer = new RequestLogWriter({
    sink: { write: async () => {}, prune: async (time) => (cutoffs.push(time), 4) },
    retentionMs: 1000,
    now: () => 10_000,
  });
  assert.equal(await writer.prune(), 4);
  assert.deepEqual(cutoffs, [9000]);
  await writer.close();
});

test('rows get time-ordered uids, so the log indexes grow at their right edge instead of a random page per row', async () => {
  const batches: string[][] = [];
  const writer = new RequestLogWriter({ sink: { write: async (b) => void batches.push(b.map((r) => r.uid)) }, batchSize: 1000, intervalMs: 3_600_000 });
  for (let i = 0; i < 300; i++) {
    const { uid: _, ...record } = rec();
    writer.push(record);
  }
  await writer.close();
  const uids = batches.flat();
  assert.equal(uids.length, 300);
  assert.equal(new Set(uids).size, 300);
  assert.deepEqual([...uids].sort(), uids);
});

test('a record that has its uid (usage accounting builds them so) is queued as it is, not copied', async () => {
  const written: StoredRecord[] = [];
  const writer = new RequestLogWriter({ sink: { write: async (b) => void written.push(...b) }, batchSize: 10, intervalMs: 3_600_000 });
  const record = rec({ uid: 'u-own' });
  writer.push(record);
  await writer.close();
  assert.equal(written[0], record);
  assert.equal(written[0]!.uid, 'u-own');
});

test('a stored record carries every field of the record, and its uid', () => {
  // Required<…>: a field added to RequestLogRecord must be added here, and then to storedRecord.
  const full: Required<RequestLogRecord> = {
    ...rec({ keyId: 'k' }),
    clientRequestId: 'client-1',
    costReason: 'no price',
    costBreakdown: { input: 0.1 },
    error: 'upstream said no',
    requestBody: { a: 1 },
    responseBody: { b: 2 },
  };
  assert.deepEqual(storedRecord(full, 'u-1'), { ...full, uid: 'u-1' });
  const bare = rec();
  assert.deepEqual(storedRecord(bare, 'u-2'), { ...bare, uid: 'u-2' });
});
