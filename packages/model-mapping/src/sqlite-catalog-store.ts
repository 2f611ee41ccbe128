import { migrateSqlite, type SqliteDatabase } from '@switchyard/stores';
import type { CatalogOverrideStore, StoredOverride } from './catalog-override-store.js';
import { CATALOG_MIGRATION_COMPONENT, CATALOG_SQLITE_MIGRATIONS } from './catalog-migrations.js';
import type { ModelPatch } from './model-patch.js';

interface Row {
  provider: string;
  model: string;
  patch: string;
  updated_at: number | bigint;
}

/**
 * A {@link CatalogOverrideStore} in SQLite: the user's better-sqlite3 `Database` (a file shared by
 * the gateway's other stores is fine). Applies the versioned migrations (component
 * `model-mapping`) on creation.
 *
 * @example
 * import Database from 'better-sqlite3';
 * const store = sqliteCatalogStore(new Database('switchyard.db'));
 */
export function sqliteCatalogStore(db: SqliteDatabase): CatalogOverrideStore {
  if (!db || typeof db.prepare !== 'function' || typeof db.exec !== 'function') {
    throw new TypeError('sqliteCatalogStore: db must be a better-sqlite3 Database');
  }
  migrateSqlite(db, CATALOG_MIGRATION_COMPONENT, CATALOG_SQLITE_MIGRATIONS);
  const list = db.prepare('SELECT provider, model, patch, updated_at FROM model_catalog_overrides ORDER BY provider, model');
  const put = db.prepare(
    `INSERT INTO model_catalog_overrides (provider, model, patch, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (provider, model) DO UPDATE SET patch = excluded.patch, updated_at = excluded.updated_at`,
  );
  const del = db.prepare('DELETE FROM model_catalog_overrides WHERE provider = ? AND model = ?');
  return {
    async list(): Promise<StoredOverride[]> {
      return (list.all() as Row[]).map((r) => ({
        provider: r.provider,
        model: r.model,
        patch: JSON.parse(r.patch) as ModelPatch,
        updatedAt: Number(r.updated_at),
      }));
    },
    async put(o) {
      put.run(o.provider, o.model, JSON.stringify(o.patch), Math.trunc(o.updatedAt));
    },
    async delete(provider, model) {
      return del.run(provider, model).changes > 0;
    },
  };
}
