import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startPostgres, type TestStoreServer } from '@switchyard/stores/testing';
import { memoryCatalogStore, type CatalogOverrideStore } from './catalog-override-store.js';
import { sqliteCatalogStore } from './sqlite-catalog-store.js';
import { postgresCatalogStore } from './postgres-catalog-store.js';

/** The behaviour every CatalogOverrideStore must have; `open` gives a fresh, empty store. */
function storeContract(name: string, open: () => Promise<CatalogOverrideStore>) {
  describe(`${name} catalog override store`, () => {
    test('starts empty, puts, replaces and lists every override', async () => {
      const store = await open();
      assert.deepEqual(await store.list(), []);
      const at = 1_767_000_000_123; // beyond 2^32: BIGINT / INTEGER must not truncate it
      await store.put({ provider: 'openai', model: 'gpt-4', patch: { enabled: false }, updatedAt: at });
      await store.put({
        provider: 'bedrock',
        model: 'anthropic/claude-3.5 ü',
        patch: { cost: { input_per_1m: 3, output_per_1k: 0.015 }, capabilities: { vision: true }, context_window: 200000, region: 'eu' },
        updatedAt: at + 1,
      });
      await store.put({ provider: 'openai', model: 'gpt-4', patch: { context_window: 9000 }, updatedAt: at + 2 });
      const rows = (await store.list()).sort((a, b) => a.provider.localeCompare(b.provider));
      assert.deepEqual(rows, [
        {
          provider: 'bedrock',
          model: 'anthropic/claude-3.5 ü',
          patch: { cost: { input_per_1m: 3, output_per_1k: 0.015 }, capabilities: { vision: true }, context_window: 200000, region: 'eu' },
          updatedAt: at + 1,
        },
        { provider: 'openai', model: 'gpt-4', patch: { context_window: 9000 }, updatedAt: at + 2 },
      ]);
    });

    test('delete removes one override and says whether it existed', async () => {
      const store = await open();
      await store.put({ provider: 'openai', model: 'gpt-4', patch: { enabled: false }, updatedAt: 1 });
      await store.put({ provider: 'openai', model: 'gpt-4o', patch: { enabled: false }, updatedAt: 1 });
      assert.equal(await store.delete('openai', 'gpt-4'), true);
      assert.equal(await store.delete('openai', 'gpt-4'), false);
      assert.equal(await store.delete('nope', 'gpt-4o'), false);
      assert.deepEqual(
        (await store.list()).map((o) => o.model),
        ['gpt-4o'],
      );
    });

    test('a caller mutating what it put or listed changes nothing stored', async () => {
      const store = await open();
      const o = { provider: 'openai', model: 'gpt-4', patch: { capabilities: { tools: false } }, updatedAt: 5 };
      await store.put(o);
      o.patch.capabilities.tools = true;
      (await store.list())[0]!.patch.enabled = true;
      assert.deepEqual((await store.list())[0]!.patch, { capabilities: { tools: false } });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'switchyard-catalog-'));
const sqliteDbs: Database.Database[] = [];
let pgServer: TestStoreServer | undefined;
const pools: pg.Pool[] = [];

before(async () => {
  pgServer = await startPostgres();
});
after(async () => {
  for (const db of sqliteDbs) db.close();
  rmSync(dir, { recursive: true, force: true });
  await Promise.all(pools.map((p) => p.end()));
  await pgServer?.stop();
});

storeContract('memory', async () => memoryCatalogStore());

let n = 0;
storeContract('sqlite', async () => {
  const db = new Database(join(dir, `catalog-${n++}.db`));
  sqliteDbs.push(db);
  return sqliteCatalogStore(db);
});

storeContract('postgres', async () => {
  const pool = new pg.Pool({ connectionString: pgServer!.url, max: 2 });
  pools.push(pool);
  const store = await postgresCatalogStore(pool);
  // One database for the whole file: start every test from an empty table.
  await pool.query('DELETE FROM model_catalog_overrides');
  return store;
});

test('migrations are versioned under the model-mapping component and run once', async () => {
  const db = new Database(join(dir, 'migrate.db'));
  sqliteDbs.push(db);
  const first = sqliteCatalogStore(db);
  await first.put({ provider: 'openai', model: 'gpt-4', patch: { enabled: false }, updatedAt: 1 });
  const again = sqliteCatalogStore(db);
  assert.equal((await again.list()).length, 1, 'reopening keeps the data');
  assert.deepEqual(db.prepare("SELECT version FROM switchyard_migrations WHERE component = 'model-mapping'").all(), [{ version: 1 }]);

  const pool = new pg.Pool({ connectionString: pgServer!.url, max: 2 });
  pools.push(pool);
  await Promise.all([postgresCatalogStore(pool), postgresCatalogStore(pool)]);
  const { rows } = await pool.query("SELECT version FROM switchyard_migrations WHERE component = 'model-mapping'");
  assert.deepEqual(
    rows.map((r) => r.version),
    [1],
  );
});

test('stores reject something that is not a client at start-up', async () => {
  assert.throws(() => sqliteCatalogStore({} as never), TypeError);
  await assert.rejects(postgresCatalogStore({} as never), TypeError);
});
