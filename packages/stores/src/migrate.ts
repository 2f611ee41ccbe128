/**
 * Versioned schema migrations shared by the SQLite and PostgreSQL stores. Each store owns an
 * ordered list of migrations; applied versions are recorded per component in
 * `switchyard_migrations`, so several packages can share one database.
 * @module
 */
import type { PgPool, PgQueryable, SqliteDatabase } from './clients.js';

/** One schema change. Versions are consecutive integers starting at 1. */
export interface Migration {
  version: number;
  description: string;
  /** SQL statements, run in order inside one transaction. */
  up: string[];
}

function check(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new TypeError(`Migration versions must be consecutive from 1; found ${m.version} at position ${i}`);
  });
}

const LEDGER = `CREATE TABLE IF NOT EXISTS switchyard_migrations (
  component TEXT NOT NULL,
  version INTEGER NOT NULL,
  description TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  PRIMARY KEY (component, version)
)`;

/**
 * Apply pending migrations of `component` to a SQLite database. Returns the versions applied.
 * @example migrateSqlite(db, 'auth-key', KEY_MIGRATIONS)
 */
export function migrateSqlite(db: SqliteDatabase, component: string, migrations: readonly Migration[]): number[] {
  check(migrations);
  db.exec(LEDGER);
  const done = new Set(
    (db.prepare('SELECT version FROM switchyard_migrations WHERE component = ?').all(component) as { version: number }[]).map((r) => r.version),
  );
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      for (const sql of m.up) db.exec(sql);
      db.prepare('INSERT INTO switchyard_migrations (component, version, description, applied_at) VALUES (?, ?, ?, ?)').run(
        component,
        m.version,
        m.description,
        new Date().toISOString(),
      );
    })();
    applied.push(m.version);
  }
  return applied;
}

/**
 * Apply pending migrations of `component` to PostgreSQL, serialised across instances by an
 * advisory lock so two gateways starting together do not race. Returns the versions applied.
 * Pass a dedicated client (not a pool) so the lock and the transaction share one session.
 * @example await migratePostgres(client, 'auth-key', M) // or migratePostgresPool(pool, …)
 */
export async function migratePostgres(sql: PgQueryable, component: string, migrations: readonly Migration[]): Promise<number[]> {
  check(migrations);
  await sql.query("SELECT pg_advisory_lock(hashtext('switchyard_migrations'))");
  try {
    await sql.query(LEDGER);
    const { rows } = await sql.query('SELECT version FROM switchyard_migrations WHERE component = $1', [component]);
    const done = new Set(rows.map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await sql.query('BEGIN');
      try {
        for (const stmt of m.up) await sql.query(stmt);
        await sql.query('INSERT INTO switchyard_migrations (component, version, description, applied_at) VALUES ($1, $2, $3, $4)', [
          component,
          m.version,
          m.description,
          new Date().toISOString(),
        ]);
        await sql.query('COMMIT');
      } catch (err) {
        await sql.query('ROLLBACK');
        throw err;
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await sql.query("SELECT pg_advisory_unlock(hashtext('switchyard_migrations'))");
  }
}

/**
 * {@link migratePostgres} on one connection checked out of `pool` (the advisory lock and the
 * transaction must share a session), released afterwards.
 * @example await migratePostgresPool(new pg.Pool({ connectionString }), 'auth-key', M)
 */
export async function migratePostgresPool(pool: PgPool, component: string, migrations: readonly Migration[]): Promise<number[]> {
  const client = await pool.connect();
  try {
    return await migratePostgres(client, component, migrations);
  } finally {
    client.release();
  }
}
