import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Redis } from 'ioredis';
import { migratePostgres, migrateSqlite, type Migration } from './migrate.js';
import { startPostgres, startRedis } from './testing.js';

const MIGRATIONS: Migration[] = [
  { version: 1, description: 'widgets', up: ['CREATE TABLE widgets (id TEXT PRIMARY KEY)'] },
  { version: 2, description: 'widget names', up: ['ALTER TABLE widgets ADD COLUMN name TEXT'] },
];

test('sqlite migrations apply once and are recorded per component', () => {
  const db = new Database(':memory:');
  assert.deepEqual(migrateSqlite(db, 'demo', MIGRATIONS), [1, 2]);
  assert.deepEqual(migrateSqlite(db, 'demo', MIGRATIONS), []);
  db.prepare('INSERT INTO widgets (id, name) VALUES (?, ?)').run('a', 'A');
  assert.equal((db.prepare('SELECT count(*) AS n FROM switchyard_migrations').get() as { n: number }).n, 2);
});

test('migrations must be numbered consecutively', () => {
  const db = new Database(':memory:');
  assert.throws(() => migrateSqlite(db, 'bad', [{ version: 2, description: 'x', up: [] }]), TypeError);
});

test('a real postgres server starts on loopback and migrations run against it', async () => {
  const server = await startPostgres();
  try {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      assert.deepEqual(await migratePostgres(client, 'demo', MIGRATIONS), [1, 2]);
      assert.deepEqual(await migratePostgres(client, 'demo', MIGRATIONS), []);
      await client.query("INSERT INTO widgets (id, name) VALUES ('a', 'A')");
      const { rows } = await client.query('SELECT name FROM widgets');
      assert.equal(rows[0].name, 'A');
    } finally {
      await client.end();
    }
  } finally {
    await server.stop();
  }
});

test('a real redis server starts on loopback', async () => {
  const server = await startRedis();
  const client = new Redis(server.url, { lazyConnect: true });
  try {
    await client.connect();
    assert.equal(await client.incrby('n', 2), 2);
  } finally {
    client.disconnect();
    await server.stop();
  }
});
