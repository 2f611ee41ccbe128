import type { Migration } from '@switchyard/stores';

/** Component name under which auth-key records its migrations in `switchyard_migrations`. */
export const MIGRATION_COMPONENT = 'auth-key';

/** Versioned SQLite schema of the key store. */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'keys and BYOK credentials',
    up: [
      `CREATE TABLE auth_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        hint TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at INTEGER,
        policy TEXT NOT NULL
      )`,
      `CREATE TABLE auth_key_credentials (
        key_id TEXT NOT NULL REFERENCES auth_keys(id) ON DELETE CASCADE,
        provider TEXT NOT NULL,
        ciphertext TEXT NOT NULL,
        hint TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (key_id, provider)
      )`,
    ],
  },
];

/** Versioned PostgreSQL schema of the key store. */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'keys and BYOK credentials',
    up: [
      `CREATE TABLE auth_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        hint TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
        created_at BIGINT NOT NULL,
        last_used_at BIGINT,
        revoked_at BIGINT,
        policy JSONB NOT NULL
      )`,
      `CREATE TABLE auth_key_credentials (
        key_id TEXT NOT NULL REFERENCES auth_keys(id) ON DELETE CASCADE,
        provider TEXT NOT NULL,
        ciphertext TEXT NOT NULL,
        hint TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (key_id, provider)
      )`,
    ],
  },
];
