import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { sqliteRequestLogStore } from './sqlite-store.js';
import { storeContract, rec } from './store-contract.test.js';
import { withRequestLogSink, workerRequestLogSink } from './worker-sink.js';

// A real worker thread on its own connection to the same SQLite file, as the gateway runs it (through the log-sink entry).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
import(workerData.module).then(({ serveRequestLogSink, sqliteRequestLogStore }) => {
  const db = new Database(workerData.path);
  db.pragma('busy_timeout = 5000');
  serveRequestLogSink(sqliteRequestLogStore(db), parentPort);
});`;

function startWorker(path: string): Worker {
  return new Worker(WORKER, {
    eval: true,
    workerData: { path, driver: createRequire(import.meta.url).resolve('better-sqlite3'), module: new URL('./log-sink.js', import.meta.url).href },
  });
}

test('worker-thread writes, main-thread reads (real SQLite file)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-usage-worker-'));
  const path = join(dir, 'logs.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const local = sqliteRequestLogStore(db);
  const sink = workerRequestLogSink(startWorker(path), { fallback: local });
  try {
    await storeContract(t, withRequestLogSink(local, sink));

    await t.test('a dead worker falls back to writing on this thread', async () => {
      await sink.close();
      await sink.write([rec({ uid: 'after-close', id: 'after-close' })]);
      assert.equal((await local.get('after-close'))?.id, 'after-close');
    });
  } finally {
    await sink.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a fallback, writes to a dead worker reject (the writer keeps its records)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-usage-worker-'));
  const path = join(dir, 'logs.db');
  const db = new Database(path);
  sqliteRequestLogStore(db);
  const worker = startWorker(path);
  const sink = workerRequestLogSink(worker);
  try {
    await sink.write([rec({ uid: 'a' })]);
    assert.deepEqual(db.prepare('SELECT count(*) AS n FROM switchyard_request_logs').get(), { n: 1 });
    await worker.terminate();
    await assert.rejects(sink.write([rec({ uid: 'b' })]), /worker exited/);
  } finally {
    await sink.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
