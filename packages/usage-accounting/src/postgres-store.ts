import { migratePostgresPool, type PgPool } from '@switchyard/stores';
import { COMPONENT, POSTGRES_MIGRATIONS } from './migrations.js';
import {
  aggregateSql,
  INSERT_COLUMNS,
  insertParams,
  keyDeltas,
  listSql,
  page,
  rowToBucket,
  rowToGroup,
  rowToRecord,
  rowToTotals,
  upsertTotalsParams,
  upsertTotalsSql,
} from './sql.js';
import type { KeyUsageTotals, RequestLogStore, StoredRecord } from './store.js';

const dollar = (i: number) => `$${i}`;
// PostgreSQL allows 65535 parameters per statement.
const ROWS_PER_INSERT = 500;

/**
 * Request log in PostgreSQL, for gateways that run many instances. Applies its migrations
 * (serialised across instances) before resolving.
 *
 * @example
 * import pg from 'pg';
 * const store = await postgresRequestLogStore(new pg.Pool({ connectionString: process.env.DATABASE_URL }));
 */
export async function postgresRequestLogStore(pool: PgPool): Promise<RequestLogStore> {
  await migratePostgresPool(pool, COMPONENT, POSTGRES_MIGRATIONS);
  return {
    async write(batch) {
      if (batch.length === 0) return;
      const conn = await pool.connect();
      let failed: Error | undefined;
      try {
        await conn.query('BEGIN');
        const inserted = new Set<string>();
        for (let i = 0; i < batch.length; i += ROWS_PER_INSERT) {
          const { sql, params } = multiInsert(batch.slice(i, i + ROWS_PER_INSERT));
          for (const row of (await conn.query(sql, params)).rows) inserted.add(String(row.uid));
        }
        const upsert = upsertTotalsSql(dollar);
        for (const [keyId, delta] of keyDeltas(batch.filter((r) => inserted.has(r.uid)))) {
          await conn.query(upsert, upsertTotalsParams(keyId, delta));
        }
        await conn.query('COMMIT');
      } catch (err) {
        failed = err instanceof Error ? err : new Error(String(err));
        await conn.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        conn.release(failed);
      }
    },
    async list(query) {
      const { sql, params } = listSql(dollar, query);
      return page((await pool.query(sql, params)).rows, query.limit);
    },
    async get(id) {
      const { rows } = await pool.query('SELECT * FROM switchyard_request_logs WHERE request_id = $1 ORDER BY seq DESC LIMIT 1', [id]);
      return rows[0] ? rowToRecord(rows[0]) : undefined;
    },
    async aggregate(groupBy, from, to) {
      const { rows } = await pool.query(aggregateSql(dollar, groupBy), [from, to]);
      return rows.map((r) => rowToGroup(r, groupBy));
    },
    async aggregateByTime(groupBy, from, to, bucketMs) {
      const { rows } = await pool.query(aggregateSql(dollar, groupBy, true), [bucketMs, from, to]);
      return rows.map((r) => rowToBucket(r, groupBy));
    },
    async keyTotals(keyIds) {
      const out = new Map<string, KeyUsageTotals>();
      if (keyIds.length === 0) return out;
      const { rows } = await pool.query('SELECT * FROM switchyard_key_usage WHERE key_id = ANY($1)', [keyIds]);
      for (const row of rows) out.set(String(row.key_id), rowToTotals(row));
      return out;
    },
    async prune(time) {
      const { rows } = await pool.query('WITH gone AS (DELETE FROM switchyard_request_logs WHERE started_at < $1 RETURNING 1) SELECT COUNT(*) AS n FROM gone', [
        time,
      ]);
      return Number(rows[0]?.n ?? 0);
    },
  };
}

function multiInsert(batch: readonly StoredRecord[]): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const tuples = batch.map((r) => {
    const values = insertParams(r).map((v) => `$${params.push(v)}`);
    return `(${values.join(', ')})`;
  });
  return {
    sql: `INSERT INTO switchyard_request_logs (${INSERT_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (uid) DO NOTHING RETURNING uid`,
    params,
  };
}
