import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '@switchyard/core';
import type { GatewayConfig } from './config/schema.js';
import type { SharedState } from './shared-state.js';

/** The database and shared-counter clients the gateway opened from `storage:`. */
export interface Storage {
  /** The embedded SQLite database (keys, logs) unless PostgreSQL is configured. */
  sqlite?: Database.Database;
  /** The SQLite file path when `sqlite` is a file (not `:memory:`): request logs are written there by a worker thread. */
  sqlitePath?: string;
  /** A pg Pool, when `storage.postgres_url` is set. */
  postgres?: import('pg').Pool;
  /**
   * An ioredis client, when `storage.redis_url` is set (counters, breakers, revocations). It has
   * no offline queue: while Redis is unreachable every command fails at once, so each piece
   * falls into its documented policy (`rate_limits.on_store_error`, local breaker state) instead
   * of waiting for a timeout.
   */
  redis?: import('ioredis').Redis;
  /** A second Redis connection for subscriptions (key revocations); it queues while reconnecting. */
  redisSubscriber?: import('ioredis').Redis;
  /** State shared with the other workers of a cluster, for what would otherwise be in this process's memory. */
  shared?: SharedState;
  close(): Promise<void>;
}

/**
 * Open what the config asks for: SQLite by default (a file, or `:memory:`), PostgreSQL and
 * Redis when their URLs are set. The drivers for PostgreSQL and Redis are loaded only then.
 */
export async function openStorage(config: GatewayConfig['storage'], logger: Logger, shared?: SharedState): Promise<Storage> {
  const storage: Storage = { ...(shared ? { shared } : {}), close: async () => {} };
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
    const redis = new Redis(config.redis_url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
    redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
    storage.redis = redis;
    // A subscription is not on any request's path: it may wait for the connection, and
    // ioredis re-subscribes after a reconnect.
    storage.redisSubscriber = redis.duplicate({ enableOfflineQueue: true });
    storage.redisSubscriber.on('error', (err) => logger.warn({ err: err.message }, 'redis subscriber error'));
    // Without an offline queue a command sent before the first connection fails: start serving
    // once Redis answered (or after a short wait, when the stores' outage policies apply).
    await readyWithin(redis, 5000).catch((err: Error) => logger.warn({ err: err.message }, 'redis not ready at start-up'));
  }
  storage.close = async () => {
    storage.redisSubscriber?.disconnect();
    storage.redis?.disconnect();
    await storage.postgres?.end();
    storage.sqlite?.close();
  };
  return storage;
}

function readyWithin(redis: import('ioredis').Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`no connection within ${ms} ms`));
    }, ms);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
