import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sqliteRequestLogStore } from './sqlite-store.js';
import { checkUpgradedFromVersion1, storeContract, version1Rows } from './store-contract.test.js';
import { migrateSqlite } from '@switchyard/stores';
import { COMPONENT, SQLITE_MIGRATIONS } from './migrations.js';

test('SQLite request log store (real file)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-usage-'));
  const db = new Database(join(dir, 'logs.db'));
  try {
    await storeContract(t, sqliteRequestLogStore(db));
    await t.test('opening the same file again does not re-apply migrations', () => {
      sqliteRequestLogStore(db);
      const rows = db.prepare("SELECT version FROM switchyard_migrations WHERE component = 'usage-accounting'").all();
      assert.equal(rows.length, SQLITE_MIGRATIONS.length);
    });
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SQLite: a version-1 request log is upgraded in place (one-hour writes, unpriced counts per key)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-usage-v1-'));
  const db = new Database(join(dir, 'logs.db'));
  try {
    migrateSqlite(db, COMPONENT, SQLITE_MIGRATIONS.slice(0, 1));
    for (const row of version1Rows(() => '?')) db.prepare(row.sql).run(...row.params);
    await checkUpgradedFromVersion1(sqliteRequestLogStore(db));
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
