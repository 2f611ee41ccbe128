import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sqliteRequestLogStore } from './sqlite-store.js';
import { storeContract } from './store-contract.test.js';

test('SQLite request log store (real file)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-usage-'));
  const db = new Database(join(dir, 'logs.db'));
  try {
    await storeContract(t, sqliteRequestLogStore(db));
    await t.test('opening the same file again does not re-apply migrations', () => {
      sqliteRequestLogStore(db);
      const rows = db.prepare("SELECT version FROM switchyard_migrations WHERE component = 'usage-accounting'").all();
      assert.equal(rows.length, 1);
    });
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
