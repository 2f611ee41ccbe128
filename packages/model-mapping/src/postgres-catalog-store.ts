import { migratePostgresPool, type PgPool } from '@switchyard/stores';
import type { CatalogOverrideStore, StoredOverride } from './catalog-override-store.js';
import { CATALOG_MIGRATION_COMPONENT, CATALOG_POSTGRES_MIGRATIONS } from './catalog-migrations.js';
import type { ModelPatch } from './model-patch.js';

/**
 * A {@link CatalogOverrideStore} in PostgreSQL, shared by every gateway instance: the user's pg
 * `Pool`. Applies the versioned migrations (component `model-mapping`, serialised across
 * instances by an advisory lock) before resolving.
 *
 * @example
 * const store = await postgresCatalogStore(new pg.Pool({ connectionString: process.env.DATABASE_URL }));
 */
export async function postgresCatalogStore(pool: PgPool): Promise<CatalogOverrideStore> {
  if (!pool || typeof pool.query !== 'function' || typeof pool.connect !== 'function') {
    throw new TypeError('postgresCatalogStore: pool must be a pg Pool');
  }
  await migratePostgresPool(pool, CATALOG_MIGRATION_COMPONENT, CATALOG_POSTGRES_MIGRATIONS);
  return {
    async list(): Promise<StoredOverride[]> {
      const { rows } = await pool.query('SELECT provider, model, patch, updated_at FROM model_catalog_overrides ORDER BY provider, model');
      return rows.map((r) => ({
        provider: String(r.provider),
        model: String(r.model),
        patch: r.patch as ModelPatch,
        // BIGINT arrives as a string from pg.
        updatedAt: Number(r.updated_at),
      }));
    },
    async put(o) {
      await pool.query(
        `INSERT INTO model_catalog_overrides (provider, model, patch, updated_at) VALUES ($1, $2, $3::jsonb, $4)
         ON CONFLICT (provider, model) DO UPDATE SET patch = EXCLUDED.patch, updated_at = EXCLUDED.updated_at`,
        [o.provider, o.model, JSON.stringify(o.patch), Math.trunc(o.updatedAt)],
      );
    },
    async delete(provider, model) {
      const res = await pool.query('DELETE FROM model_catalog_overrides WHERE provider = $1 AND model = $2', [provider, model]);
      return (res.rowCount ?? 0) > 0;
    },
  };
}
