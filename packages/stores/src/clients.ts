/**
 * The parts of the database and Redis clients Switchyard's stores use, in one place. Every store
 * takes the user's own client (better-sqlite3, pg, ioredis); these structural types name the
 * methods it calls, so no package imports a driver or its types, and one client fits every store.
 * @module
 */

/** A query result as pg returns it. */
export interface SqlResult {
  rows: Record<string, unknown>[];
  rowCount?: number | null;
}

/** Anything that runs a PostgreSQL query: a pg `Pool`, `PoolClient` or `Client`. */
export interface PgQueryable {
  query(sql: string, params?: unknown[]): Promise<SqlResult>;
}

/** A connection checked out of a pg `Pool`. */
export interface PgPoolClient extends PgQueryable {
  release(err?: Error | boolean): void;
}

/** The part of a pg `Pool` the PostgreSQL stores use. */
export interface PgPool extends PgQueryable {
  connect(): Promise<PgPoolClient>;
}

/** A pooled pg connection that holds `LISTEN` (notifications arrive as `'notification'` events). */
export interface PgListenClient extends PgPoolClient {
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
}

/** The part of a pg `Pool` a LISTEN/NOTIFY channel uses. */
export interface PgListenPool extends PgQueryable {
  connect(): Promise<PgListenClient>;
}

/** A prepared statement of better-sqlite3. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
}

/** The part of a better-sqlite3 `Database` the SQLite stores use. */
export interface SqliteDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): SqliteStatement;
  transaction(fn: () => void): (...args: never[]) => unknown;
}

/** The chainable transaction of an ioredis client (`client.multi()`). */
export interface RedisTransaction {
  hincrby(key: string, field: string, increment: number): unknown;
  pexpire(key: string, ms: number): unknown;
  set(key: string, value: string, mode: 'PX', ms: number): unknown;
  zadd(key: string, score: number, member: string): unknown;
  zremrangebyscore(key: string, min: number | string, max: number | string): unknown;
  exec(): Promise<unknown>;
}

/**
 * The commands of an ioredis client (or a compatible one) the Redis stores use.
 * @example const client: RedisClient = new Redis(url, { enableOfflineQueue: false });
 */
export interface RedisClient {
  get(key: string): Promise<string | null>;
  mget(...keys: string[]): Promise<Array<string | null>>;
  set(key: string, value: string): Promise<unknown>;
  del(...keys: string[]): Promise<unknown>;
  hgetall(key: string): Promise<Record<string, string>>;
  zrangebyscore(key: string, min: number | string, max: number | string): Promise<string[]>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  evalsha(sha: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  multi(): RedisTransaction;
}

/** The pub/sub side of an ioredis client (a subscribed connection runs no other command). */
export interface RedisPubSubClient {
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  off?(event: 'message' | 'ready', listener: (...args: any[]) => void): unknown;
  quit(): Promise<unknown>;
  duplicate?(): RedisPubSubClient;
}
