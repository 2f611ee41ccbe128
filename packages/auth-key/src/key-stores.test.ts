import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startPostgres, type TestStoreServer } from '@switchyard/stores/testing';
import type { KeyRecord, KeyStore } from './key-record.js';
import { MemoryKeyStore } from './memory-key-store.js';
import { PostgresKeyStore } from './postgres-key-store.js';
import { generateKeyId, generateSecret, hashSecret } from './secret.js';
import { SqliteKeyStore } from './sqlite-key-store.js';

function record(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id: generateKeyId(),
    name: 'ci',
    hash: hashSecret(generateSecret()),
    hint: 'sk-…abcd',
    status: 'active',
    createdAt: 1_700_000_000_000,
    policy: { allowedModels: ['gpt-4o-mini'], limits: { requestsPerMinute: 60 }, routing: { active: true, strategy: 'priority' }, metadata: { team: 'a' } },
    ...overrides,
  };
}

/** The behaviour every KeyStore must have. */
function keyStoreContract(name: string, open: () => Promise<KeyStore>) {
  describe(`${name} key store`, () => {
    let store: KeyStore;
    before(async () => {
      store = await open();
    });

    test('insert, then find by hash and by id; unknown hash is undefined', async () => {
      const r = record();
      await store.insert(r);
      assert.deepEqual(await store.findByHash(r.hash), r);
      assert.deepEqual(await store.get(r.id), r);
      assert.equal(await store.findByHash(hashSecret('sk-unknown')), undefined);
      await assert.rejects(store.insert({ ...record(), hash: r.hash }));
    });

    test('update name and policy; revoke once; touch', async () => {
      const r = record();
      await store.insert(r);
      const updated = await store.update(r.id, { name: 'renamed', policy: { allowedProviders: ['openai'] } });
      assert.equal(updated?.name, 'renamed');
      assert.deepEqual(updated?.policy, { allowedProviders: ['openai'] });
      assert.equal(await store.update('key_missing', { name: 'x' }), undefined);
      const revoked = await store.revoke(r.id, 1_700_000_100_000);
      assert.equal(revoked?.status, 'revoked');
      assert.equal(revoked?.revokedAt, 1_700_000_100_000);
      assert.equal((await store.revoke(r.id, 1_800_000_000_000))?.revokedAt, 1_700_000_100_000);
      await store.touch(r.id, 1_700_000_200_000);
      assert.equal((await store.get(r.id))?.lastUsedAt, 1_700_000_200_000);
    });

    test('list returns every key oldest first', async () => {
      const older = record({ createdAt: 1 });
      await store.insert(older);
      const ids = (await store.list()).map((r) => r.id);
      assert.equal(ids[0], older.id);
      assert.ok(ids.length >= 3);
    });

    test('credentials: put, replace, list, delete', async () => {
      const r = record();
      await store.insert(r);
      await store.putCredential(r.id, { provider: 'openai', ciphertext: 'v1.a.b.c', hint: '…1234', createdAt: 1, updatedAt: 1 });
      await store.putCredential(r.id, { provider: 'openai', ciphertext: 'v1.d.e.f', hint: '…5678', createdAt: 1, updatedAt: 2 });
      await store.putCredential(r.id, { provider: 'anthropic', ciphertext: 'v1.g.h.i', hint: '…9999', createdAt: 3, updatedAt: 3 });
      const creds = await store.credentials(r.id);
      assert.deepEqual(creds.map((c) => [c.provider, c.ciphertext, c.hint, c.updatedAt]).sort(), [
        ['anthropic', 'v1.g.h.i', '…9999', 3],
        ['openai', 'v1.d.e.f', '…5678', 2],
      ]);
      assert.equal(await store.deleteCredential(r.id, 'openai'), true);
      assert.equal(await store.deleteCredential(r.id, 'openai'), false);
      assert.deepEqual(
        (await store.credentials(r.id)).map((c) => c.provider),
        ['anthropic'],
      );
    });
  });
}

keyStoreContract('memory', async () => new MemoryKeyStore());

const dir = mkdtempSync(join(tmpdir(), 'auth-key-sqlite-'));
const dbs: Database.Database[] = [];
after(() => {
  for (const db of dbs) db.close();
  rmSync(dir, { recursive: true, force: true });
});
keyStoreContract('sqlite', async () => {
  const db = new Database(join(dir, 'keys.db'));
  dbs.push(db);
  return new SqliteKeyStore(db);
});

test('sqlite migrations are versioned and applied once per file', () => {
  const file = join(dir, 'migrations.db');
  const first = new Database(file);
  new SqliteKeyStore(first);
  new SqliteKeyStore(first);
  const rows = first.prepare("SELECT component, version FROM switchyard_migrations WHERE component = 'auth-key'").all();
  assert.deepEqual(rows, [{ component: 'auth-key', version: 1 }]);
  first.close();
});

describe('postgres', () => {
  let server: TestStoreServer;
  let pool: pg.Pool;
  before(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.url, max: 4 });
  });
  after(async () => {
    await pool?.end();
    await server?.stop();
  });
  keyStoreContract('postgres', () => PostgresKeyStore.open(pool));

  test('postgres migrations are versioned; a second open (another instance) applies nothing', async () => {
    await PostgresKeyStore.open(pool);
    await Promise.all([PostgresKeyStore.open(pool), PostgresKeyStore.open(pool)]);
    const { rows } = await pool.query("SELECT version FROM switchyard_migrations WHERE component = 'auth-key'");
    assert.deepEqual(
      rows.map((r) => r.version),
      [1],
    );
  });
});

test('config keys: secrets are hashed at load, malformed entries are named', async () => {
  const secret = 'sk-' + 'c'.repeat(32);
  const store = MemoryKeyStore.fromConfig([{ name: 'from-config', key: secret, allowedModels: ['sim-1'] }]);
  const found = await store.findByHash(hashSecret(secret));
  assert.equal(found?.name, 'from-config');
  assert.deepEqual(found?.policy, { allowedModels: ['sim-1'] });
  assert.ok(!JSON.stringify(await store.list()).includes(secret));
  assert.throws(
    () =>
      MemoryKeyStore.fromConfig([
        { name: 'ok', key: secret },
        { name: 'bad', key: 'sk-short' },
      ]),
    /keys\[1\]\.key/,
  );
  assert.throws(() => MemoryKeyStore.fromConfig([{ name: 'none' }]), /keys\[0\]/);
});
