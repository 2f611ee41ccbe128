/**
 * Ratings in SQLite or PostgreSQL, next to the request log (table `switchyard_feedback`,
 * migrated through @switchyard/stores as component `experiments`).
 * @module
 */
import { migratePostgresPool, migrateSqlite, type Migration, type PgPool, type SqliteDatabase } from '@switchyard/stores';
import type { Feedback, FeedbackStore } from './feedback.js';

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'request ratings',
    up: [
      `CREATE TABLE IF NOT EXISTS switchyard_feedback (
        request_id TEXT PRIMARY KEY,
        principal_id TEXT,
        provider TEXT,
        model TEXT,
        category TEXT,
        score DOUBLE PRECISION NOT NULL,
        label TEXT,
        comment TEXT,
        time BIGINT NOT NULL
      )`,
      'CREATE INDEX IF NOT EXISTS switchyard_feedback_time ON switchyard_feedback (time)',
    ],
  },
  {
    version: 2,
    description: 'one rating per request and source (user, judge)',
    // Portable (SQLite and PostgreSQL): a new table with the wider key, the old rows as `user`.
    up: [
      `CREATE TABLE switchyard_ratings (
        request_id TEXT NOT NULL,
        source TEXT NOT NULL,
        principal_id TEXT,
        provider TEXT,
        model TEXT,
        category TEXT,
        score DOUBLE PRECISION NOT NULL,
        label TEXT,
        comment TEXT,
        time BIGINT NOT NULL,
        PRIMARY KEY (request_id, source)
      )`,
      `INSERT INTO switchyard_ratings (request_id, source, principal_id, provider, model, category, score, label, comment, time)
        SELECT request_id, 'user', principal_id, provider, model, category, score, label, comment, time FROM switchyard_feedback`,
      'DROP TABLE switchyard_feedback',
      'ALTER TABLE switchyard_ratings RENAME TO switchyard_feedback',
      'CREATE INDEX IF NOT EXISTS switchyard_feedback_time ON switchyard_feedback (time)',
    ],
  },
];

const COLUMNS = 'request_id, principal_id, provider, model, category, score, label, comment, time, source';
const params = (f: Feedback) => [f.requestId, f.principalId, f.provider, f.model, f.category, f.score, f.label, f.comment, f.time, f.source ?? 'user'];
const SUMS = `SELECT provider, model, category, source, COUNT(*) AS count, SUM(score) AS sum, SUM(score * score) AS sum_squares
  FROM switchyard_feedback WHERE time >= $1 AND time < $2 GROUP BY provider, model, category, source`;

function feedbackOf(row: Record<string, unknown>): Feedback {
  return {
    requestId: String(row.request_id),
    principalId: (row.principal_id as string | null) ?? null,
    provider: (row.provider as string | null) ?? null,
    model: (row.model as string | null) ?? null,
    category: (row.category as string | null) ?? null,
    score: Number(row.score),
    label: (row.label as string | null) ?? null,
    comment: (row.comment as string | null) ?? null,
    time: Number(row.time),
    source: row.source === 'judge' ? 'judge' : 'user',
  };
}

function sumsOf(rows: Record<string, unknown>[]) {
  return rows.map((r) => ({
    provider: (r.provider as string | null) ?? null,
    model: (r.model as string | null) ?? null,
    category: (r.category as string | null) ?? null,
    source: r.source === 'judge' ? ('judge' as const) : ('user' as const),
    count: Number(r.count),
    sum: Number(r.sum),
    sumSquares: Number(r.sum_squares),
  }));
}

/**
 * Ratings in a better-sqlite3 database (migrated on open).
 * @example const store = sqliteFeedbackStore(new Database('switchyard.db'));
 */
export function sqliteFeedbackStore(db: SqliteDatabase): FeedbackStore {
  migrateSqlite(db, 'experiments', MIGRATIONS);
  const put = db.prepare(`INSERT OR REPLACE INTO switchyard_feedback (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const get = db.prepare(`SELECT ${COLUMNS} FROM switchyard_feedback WHERE request_id = ? AND source = ?`);
  const sums = db.prepare(SUMS.replace('$1', '?').replace('$2', '?'));
  return {
    async put(feedback) {
      put.run(...params(feedback));
    },
    async get(requestId, source = 'user') {
      const row = get.get(requestId, source) as Record<string, unknown> | undefined;
      return row && feedbackOf(row);
    },
    async sums(from, to) {
      return sumsOf(sums.all(from, to) as Record<string, unknown>[]);
    },
  };
}

/**
 * Ratings in PostgreSQL (migrated on open, serialised across instances).
 * @example const store = await postgresFeedbackStore(pool);
 */
export async function postgresFeedbackStore(pool: PgPool): Promise<FeedbackStore> {
  await migratePostgresPool(pool, 'experiments', MIGRATIONS);
  return {
    async put(feedback) {
      await pool.query(
        `INSERT INTO switchyard_feedback (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (request_id, source) DO UPDATE SET score = EXCLUDED.score, label = EXCLUDED.label, comment = EXCLUDED.comment, time = EXCLUDED.time`,
        params(feedback),
      );
    },
    async get(requestId, source = 'user') {
      const { rows } = await pool.query(`SELECT ${COLUMNS} FROM switchyard_feedback WHERE request_id = $1 AND source = $2`, [requestId, source]);
      return rows[0] && feedbackOf(rows[0]);
    },
    async sums(from, to) {
      return sumsOf((await pool.query(SUMS, [from, to])).rows);
    },
  };
}
