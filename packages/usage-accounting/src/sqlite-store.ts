import { migrateSqlite, type SqliteDatabase } from '@switchyard/stores';
import { COMPONENT, SQLITE_MIGRATIONS } from './migrations.js';
import {
  aggregateSql,
  insertParams,
  insertSql,
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
import type { KeyUsageTotals, LogQuery, RequestLogStore, StoredRecord, UsageGroupBy } from './store.js';

const q = () => '?';

/**
 * Request log in a SQLite file (the gateway's default). Applies its migrations at once.
 * Writes are synchronous (better-sqlite3) but happen in batches, off the request path.
 *
 * @example
 * import Database from 'better-sqlite3';
 * const store = sqliteRequestLogStore(new Database('switchyard.db'));
 */
export function sqliteRequestLogStore(db: SqliteDatabase): RequestLogStore {
  migrateSqlite(db, COMPONENT, SQLITE_MIGRATIONS);
  const insert = db.prepare(insertSql(q, 'sqlite'));
  const upsert = db.prepare(upsertTotalsSql(q));
  const writeBatch = db.transaction(((batch: readonly StoredRecord[]) => {
    const inserted = batch.filter((r) => Number(insert.run(...insertParams(r)).changes) === 1);
    for (const [keyId, delta] of keyDeltas(inserted)) upsert.run(...upsertTotalsParams(keyId, delta));
  }) as () => void) as unknown as (batch: readonly StoredRecord[]) => void;
  const byId = db.prepare('SELECT * FROM switchyard_request_logs WHERE request_id = ? ORDER BY seq DESC LIMIT 1');
  const prune = db.prepare('DELETE FROM switchyard_request_logs WHERE started_at < ?');
  const aggregates = new Map<string, ReturnType<SqliteDatabase['prepare']>>();
  const aggregateStmt = (groupBy: UsageGroupBy, bucketed: boolean) => {
    const name = `${groupBy}:${bucketed}`;
    let stmt = aggregates.get(name);
    if (!stmt) aggregates.set(name, (stmt = db.prepare(aggregateSql(q, groupBy, bucketed))));
    return stmt;
  };

  return {
    async write(batch) {
      if (batch.length > 0) writeBatch(batch);
    },
    async list(query: LogQuery) {
      const { sql, params } = listSql(q, query);
      const rows = db.prepare(sql).all(...params) as Record<string, unknown>[];
      return page(rows, query.limit);
    },
    async get(id) {
      const row = byId.get(id) as Record<string, unknown> | undefined;
      return row ? rowToRecord(row) : undefined;
    },
    async aggregate(groupBy, from, to) {
      return (aggregateStmt(groupBy, false).all(from, to) as Record<string, unknown>[]).map((r) => rowToGroup(r, groupBy));
    },
    async aggregateByTime(groupBy, from, to, bucketMs) {
      return (aggregateStmt(groupBy, true).all(bucketMs, from, to) as Record<string, unknown>[]).map((r) => rowToBucket(r, groupBy));
    },
    async keyTotals(keyIds) {
      const out = new Map<string, KeyUsageTotals>();
      if (keyIds.length === 0) return out;
      const rows = db.prepare(`SELECT * FROM switchyard_key_usage WHERE key_id IN (${keyIds.map(q).join(', ')})`).all(...keyIds) as Record<string, unknown>[];
      for (const row of rows) out.set(String(row.key_id), rowToTotals(row));
      return out;
    },
    async prune(time) {
      return Number(prune.run(time).changes);
    },
  };
}
