import type { Migration } from '@switchyard/stores';

/** The component name in `switchyard_migrations`. */
export const CATALOG_MIGRATION_COMPONENT = 'model-mapping';

/** Schema of the SQLite catalog override store. `patch` is JSON text, `updated_at` ms since the epoch. */
export const CATALOG_SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'model catalog admin overrides',
    up: [
      `CREATE TABLE model_catalog_overrides (
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        patch TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (provider, model)
      )`,
    ],
  },
];

/** Schema of the PostgreSQL catalog override store. */
export const CATALOG_POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'model catalog admin overrides',
    up: [
      `CREATE TABLE model_catalog_overrides (
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        patch JSONB NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (provider, model)
      )`,
    ],
  },
];
