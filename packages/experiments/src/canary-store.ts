/**
 * Where canaries are kept: their definition and state, written with a version check so two
 * instances never both move one canary; every instance re-reads them (see `refreshMs`).
 * @module
 */
import { migrateSqlite, type Migration } from '@switchyard/stores';
import type { CanaryDefinition, CanaryState } from './canary.js';
import { migratePostgresPool, type PgPool, type SqliteDatabase } from '@switchyard/stores';

/** One stored canary. */
export interface StoredCanary {
  definition: CanaryDefinition;
  state: CanaryState;
}

/** Canary persistence. */
export interface CanaryStore {
  list(): Promise<StoredCanary[]>;
  /** Insert a new canary, or replace one (a re-created id). */
  put(canary: StoredCanary): Promise<void>;
  /** Write `state` only if the stored version is `state.version - 1`. False when another instance moved first. */
  advance(state: CanaryState): Promise<boolean>;
}

/** Canaries in memory (one process). */
export class MemoryCanaryStore implements CanaryStore {
  readonly #rows = new Map<string, StoredCanary>();
  async list() {
    return [...this.#rows.values()].map((r) => structuredClone(r));
  }
  async put(canary: StoredCanary) {
    this.#rows.set(canary.definition.id, structuredClone(canary));
  }
  async advance(state: CanaryState) {
    const row = this.#rows.get(state.id);
    if (!row || row.state.version !== state.version - 1) return false;
    row.state = structuredClone(state);
    return true;
  }
}

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'canary rollouts',
    up: ['CREATE TABLE IF NOT EXISTS switchyard_canaries (id TEXT PRIMARY KEY, definition TEXT NOT NULL, state TEXT NOT NULL, version BIGINT NOT NULL)'],
  },
];
const COMPONENT = 'experiments-canaries';

const rowOf = (r: Record<string, unknown>): StoredCanary => ({ definition: JSON.parse(String(r.definition)), state: JSON.parse(String(r.state)) });

/** Canaries in a better-sqlite3 database (migrated on open). */
export function sqliteCanaryStore(db: SqliteDatabase): CanaryStore {
  migrateSqlite(db, COMPONENT, MIGRATIONS);
  const list = db.prepare('SELECT definition, state FROM switchyard_canaries ORDER BY id');
  const put = db.prepare('INSERT OR REPLACE INTO switchyard_canaries (id, definition, state, version) VALUES (?, ?, ?, ?)');
  const advance = db.prepare('UPDATE switchyard_canaries SET state = ?, version = ? WHERE id = ? AND version = ?');
  return {
    async list() {
      return (list.all() as Record<string, unknown>[]).map(rowOf);
    },
    async put({ definition, state }) {
      put.run(definition.id, JSON.stringify(definition), JSON.stringify(state), state.version);
    },
    async advance(state) {
      return (advance.run(JSON.stringify(state), state.version, state.id, state.version - 1) as { changes: number }).changes === 1;
    },
  };
}

/** Canaries in PostgreSQL (migrated on open). */
export async function postgresCanaryStore(pool: PgPool): Promise<CanaryStore> {
  await migratePostgresPool(pool, COMPONENT, MIGRATIONS);
  return {
    async list() {
      return (await pool.query('SELECT definition, state FROM switchyard_canaries ORDER BY id')).rows.map(rowOf);
    },
    async put({ definition, state }) {
      await pool.query(
        `INSERT INTO switchyard_canaries (id, definition, state, version) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition, state = EXCLUDED.state, version = EXCLUDED.version`,
        [definition.id, JSON.stringify(definition), JSON.stringify(state), state.version],
      );
    },
    async advance(state) {
      const { rows } = await pool.query('UPDATE switchyard_canaries SET state = $1, version = $2 WHERE id = $3 AND version = $4 RETURNING id', [
        JSON.stringify(state),
        state.version,
        state.id,
        state.version - 1,
      ]);
      return rows.length === 1;
    },
  };
}
