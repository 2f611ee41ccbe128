import { test } from 'node:test';
import pg from 'pg';
import { startPostgres } from '@switchyard/stores/testing';
import { postgresRequestLogStore } from './postgres-store.js';
import { migratePostgres } from '@switchyard/stores';
import { COMPONENT, POSTGRES_MIGRATIONS } from './migrations.js';
import { checkUpgradedFromVersion1, storeContract, version1Rows } from './store-contract.test.js';

test('PostgreSQL request log store (real server on loopback)', async (t) => {
  const server = await startPostgres();
  const pool = new pg.Pool({ connectionString: server.url, max: 4 });
  try {
    await storeContract(t, await postgresRequestLogStore(pool));
    await t.test('a second instance starting on the same database migrates nothing', async () => {
      await postgresRequestLogStore(pool);
    });
    await t.test('a version-1 request log is upgraded in place (one-hour writes, unpriced counts per key)', async () => {
      const fresh = await startPostgres();
      const old = new pg.Pool({ connectionString: fresh.url, max: 2 });
      try {
        await migratePostgres(old, COMPONENT, POSTGRES_MIGRATIONS.slice(0, 1));
        for (const row of version1Rows((i) => `$${i}`)) await old.query(row.sql, row.params);
        await checkUpgradedFromVersion1(await postgresRequestLogStore(old));
      } finally {
        await old.end();
        await fresh.stop();
      }
    });
  } finally {
    await pool.end();
    await server.stop();
  }
});
