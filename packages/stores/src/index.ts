export { migratePostgres, migratePostgresPool, migrateSqlite, type Migration } from './migrate.js';
export { redisKeyValueStore, type RedisKeyValueStoreOptions } from './redis-key-value-store.js';
export type {
  PgListenClient,
  PgListenPool,
  PgPool,
  PgPoolClient,
  PgQueryable,
  RedisClient,
  RedisPubSubClient,
  RedisTransaction,
  SqlResult,
  SqliteDatabase,
  SqliteStatement,
} from './clients.js';
