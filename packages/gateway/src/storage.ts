import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '@switchyard/core';
import type { PgListenPool, PgPool, RedisClient, RedisPubSubClient, SqliteDatabase } from '@switchyard/stores';
import type { GatewayConfig } from './config/schema.js';
import type { SharedState } from './shared-state.js';

/**
 * The database and shared-counter clients the gateway uses, typed by what the stores call
 * (`@switchyard/stores`' client types), so the gateway's types name no driver: a better-sqlite3
 * `Database`, a pg `Pool` and ioredis clients fit.
 */
export interface Storage {
  /** The embedded SQLite database (keys, logs) unless PostgreSQL is configured. */
  sqlite?: SqliteDatabase;
  /** The SQLite file path when `sqlite` is a file (not `:memory:`): request logs are written there by a worker thread. */
  sqlitePath?: string;
  /** A pg Pool, when `storage.postgres_url` is set. */
  postgres?: PgPool & PgListenPool;
  /**
   * An ioredis client, when `storage.redis_url` is set (counters, breakers, revocations). It has
   * no offline queue: while Redis is unreachable every command fails at once, so each piece
   * falls into its documented policy (`rate_limits.on_store_error`, local breaker state) instead
   * of waiting for a timeout.
   */
  redis?: RedisClient & RedisPubSubClient;
  /** A second Redis connection for subscriptions (key revocations); it queues while reconnecting. */
  redisSubscriber?: RedisPubSubClient;
  /** State shared with the other workers of a cluster, for what would otherwise be in this process's memory. */
  shared?: SharedState;
  close(): Promise<void>;
}

/**
 * Open what the config asks for: SQLite by default (a file, or `:memory:`), PostgreSQL and
 * Redis when their URLs are set. The drivers for PostgreSQL and Redis are loaded only then.
 */
export async function openStorage(config: GatewayConfig['storage'], logger: Logger, shared?: SharedState): Promise<Storage> {
  const closers: Array<() => unknown> = [];
  const storage: Storage = {
    ...(shared ? { shared } : {}),
    close: async () => {
      // Subscriber first, the database last (the reverse of opening).
      for (const close of closers.reverse()) await close();
    },
  };
  if (config.postgres_url) {
    const { default: pg } = await import('pg');
    // One connection of the pool is held by the key revocation channel (LISTEN).
    const pool = new pg.Pool({ connectionString: config.postgres_url, max: 11 });
    pool.on('error', (err) => logger.error({ err: err.message }, 'postgres pool error'));
    storage.postgres = pool;
    closers.push(() => pool.end());
  } else {
    // A library default writes nothing: the standalone gateway names its file (createGateway).
    const path = config.sqlite_path || ':memory:';
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    storage.sqlite = db;
    if (path !== ':memory:') storage.sqlitePath = path;
    closers.push(() => db.close());
  }
  if (config.redis_url) {
    const { Redis } = await import('ioredis');
    const redis = new Redis(config.redis_url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
    redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
    storage.redis = redis;
    closers.push(() => redis.disconnect());
    // A subscription is not on any request's path: it may wait for the connection, and
    // ioredis re-subscribes after a reconnect.
    const subscriber = redis.duplicate({ enableOfflineQueue: true });
    subscriber.on('error', (err) => logger.warn({ err: err.message }, 'redis subscriber error'));
    storage.redisSubscriber = subscriber;
    closers.push(() => subscriber.disconnect());
    // Without an offline queue a command sent before the first connection fails: start serving
    // once Redis answered (or after a short wait, when the stores' outage policies apply).
    await readyWithin(redis, 5000).catch((err: Error) => logger.warn({ err: err.message }, 'redis not ready at start-up'));
  }
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
