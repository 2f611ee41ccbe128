import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '@switchyard/core';
import type { GatewayConfig } from './config/schema.js';

/** The database and shared-counter clients the gateway opened from `storage:`. */
export interface Storage {
  /** The embedded SQLite database (keys, logs) unless PostgreSQL is configured. */
  sqlite?: Database.Database;
  /** The SQLite file path when `sqlite` is a file (not `:memory:`): request logs are written there by a worker thread. */
  sqlitePath?: string;
  /** A pg Pool, when `storage.postgres_url` is set. */
  postgres?: import('pg').Pool;
  /** An ioredis client, when `storage.redis_url` is set (counters, breakers, revocations). */
  redis?: import('ioredis').Redis;
  close(): Promise<void>;
}

/**
 * Open what the config asks for: SQLite by default (a file, or `:memory:`), PostgreSQL and
 * Redis when their URLs are set. The drivers for PostgreSQL and Redis are loaded only then.
 */
export async function openStorage(config: GatewayConfig['storage'], logger: Logger): Promise<Storage> {
  const storage: Storage = { close: async () => {} };
  if (config.postgres_url) {
    const { default: pg } = await import('pg');
    // One connection of the pool is held by the key revocation channel (LISTEN).
    storage.postgres = new pg.Pool({ connectionString: config.postgres_url, max: 11 });
    storage.postgres.on('error', (err) => logger.error({ err: err.message }, 'postgres pool error'));
  } else {
    // A library default writes nothing: the standalone gateway names its file (createGateway).
    const path = config.sqlite_path || ':memory:';
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    storage.sqlite = new Database(path);
    storage.sqlite.pragma('journal_mode = WAL');
    storage.sqlite.pragma('synchronous = NORMAL');
    storage.sqlite.pragma('busy_timeout = 5000');
    if (path !== ':memory:') storage.sqlitePath = path;
  }
  if (config.redis_url) {
    const { Redis } = await import('ioredis');
    storage.redis = new Redis(config.redis_url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false });
    storage.redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  }
  storage.close = async () => {
    storage.redis?.disconnect();
    await storage.postgres?.end();
    storage.sqlite?.close();
  };
  return storage;
}
