import type { Migration } from '@switchyard/stores';

/** Component name in `switchyard_migrations`. */
export const COMPONENT = 'usage-accounting';

const columns = (types: { text: string; int: string; big: string; real: string; seq: string }) => `
  seq ${types.seq},
  uid TEXT NOT NULL UNIQUE,
  request_id TEXT NOT NULL,
  started_at ${types.big} NOT NULL,
  key_id TEXT,
  key_name TEXT,
  requested_model TEXT NOT NULL,
  resolved_model TEXT,
  provider TEXT,
  strategy TEXT,
  status ${types.int} NOT NULL,
  outcome TEXT NOT NULL,
  latency_ms ${types.int} NOT NULL,
  ttft_ms ${types.int},
  input_tokens ${types.big},
  cache_read_tokens ${types.big},
  cache_write_tokens ${types.big},
  output_tokens ${types.big},
  reasoning_tokens ${types.big},
  usage_source TEXT,
  cost_usd ${types.real},
  cost_reason TEXT,
  format TEXT NOT NULL,
  stream ${types.int} NOT NULL,
  attempt_count ${types.int} NOT NULL,
  detail TEXT NOT NULL`;

const totals = (real: string, big: string) => `CREATE TABLE switchyard_key_usage (
  key_id TEXT PRIMARY KEY,
  requests ${big} NOT NULL DEFAULT 0,
  input_tokens ${big} NOT NULL DEFAULT 0,
  cache_read_tokens ${big} NOT NULL DEFAULT 0,
  cache_write_tokens ${big} NOT NULL DEFAULT 0,
  output_tokens ${big} NOT NULL DEFAULT 0,
  spend_usd ${real} NOT NULL DEFAULT 0
)`;

const indexes = [
  'CREATE INDEX switchyard_request_logs_time ON switchyard_request_logs (started_at, seq)',
  'CREATE INDEX switchyard_request_logs_key ON switchyard_request_logs (key_id, started_at)',
  'CREATE INDEX switchyard_request_logs_provider ON switchyard_request_logs (provider, started_at)',
  'CREATE INDEX switchyard_request_logs_model ON switchyard_request_logs (resolved_model, started_at)',
  'CREATE INDEX switchyard_request_logs_request_id ON switchyard_request_logs (request_id)',
];

/** One-hour cache writes on each request and key; unpriced requests counted beside each key's spend. */
const v2 = (big: string): Migration => ({
  version: 2,
  description: 'one-hour cache writes; unpriced requests per key',
  up: [
    `ALTER TABLE switchyard_request_logs ADD COLUMN cache_write_1h_tokens ${big}`,
    `ALTER TABLE switchyard_key_usage ADD COLUMN cache_write_1h_tokens ${big} NOT NULL DEFAULT 0`,
    `ALTER TABLE switchyard_key_usage ADD COLUMN unpriced_requests ${big} NOT NULL DEFAULT 0`,
    // Keys' unpriced requests so far, from the log (rows pruned by retention are not recounted).
    `UPDATE switchyard_key_usage SET unpriced_requests = (SELECT COUNT(*) FROM switchyard_request_logs l
      WHERE l.key_id = switchyard_key_usage.key_id AND l.cost_usd IS NULL)`,
  ],
});

/** Requests of one strategy over time (an A/B test's arms are summed up by their strategy). */
const v3: Migration = {
  version: 3,
  description: 'index on strategy',
  up: ['CREATE INDEX switchyard_request_logs_strategy ON switchyard_request_logs (strategy, started_at)'],
};

/** SQLite schema of the request log and per-key totals. */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'request logs and per-key usage totals',
    up: [
      `CREATE TABLE switchyard_request_logs (${columns({ text: 'TEXT', int: 'INTEGER', big: 'INTEGER', real: 'REAL', seq: 'INTEGER PRIMARY KEY AUTOINCREMENT' })})`,
      ...indexes,
      totals('REAL', 'INTEGER'),
    ],
  },
  v2('INTEGER'),
  v3,
];

/** PostgreSQL schema of the request log and per-key totals. */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'request logs and per-key usage totals',
    up: [
      `CREATE TABLE switchyard_request_logs (${columns({ text: 'TEXT', int: 'INTEGER', big: 'BIGINT', real: 'DOUBLE PRECISION', seq: 'BIGSERIAL PRIMARY KEY' })})`,
      ...indexes,
      totals('DOUBLE PRECISION', 'BIGINT'),
    ],
  },
  v2('BIGINT'),
  v3,
];
