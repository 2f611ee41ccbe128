import { test } from 'node:test';
import pg from 'pg';
import { startPostgres } from '@switchyard/stores/testing';
import { postgresRequestLogStore } from './postgres-store.js';
import { storeContract } from './store-contract.test.js';

test('PostgreSQL request log store (real server on loopback)', async (t) => {
  const server = await startPostgres();
  const pool = new pg.Pool({ connectionString: server.url, max: 4 });
  try {
    await storeContract(t, await postgresRequestLogStore(pool));
    await t.test('a second instance starting on the same database migrates nothing', async () => {
      await postgresRequestLogStore(pool);
    });
  } finally {
    await pool.end();
    await server.stop();
  }
});
