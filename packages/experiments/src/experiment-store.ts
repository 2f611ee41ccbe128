/**
 * Where A/B tests are kept: their definition and lifecycle (running, stopped, the declared
 * winner), written with a version check so instances on one database agree. A SQL store can also
 * sum an experiment's figures up from the request log in the same database, so the figures
 * survive restarts and count every instance's requests.
 * @module
 */
import { migratePostgresPool, migrateSqlite, type Migration, type PgPool, type SqliteDatabase } from '@switchyard/stores';
import { ArmFigures, QUANTILE_WINDOW, type ExperimentDefinition, type ExperimentState } from './ab-test.js';
import { RunningMean } from './stats.js';

/** One stored experiment. */
export interface StoredExperiment {
  definition: ExperimentDefinition;
  state: ExperimentState;
}

/** Which logged requests belong to an experiment: its arms' `strategy` values over a time range. */
export interface FiguresQuery {
  /** Arm name → the `strategy` its requests are logged with (see {@link armStrategy}). */
  arms: Record<string, string>;
  since: number;
  until: number;
}

/** A/B test persistence. */
export interface ExperimentStore {
  list(): Promise<StoredExperiment[]>;
  /** Insert an experiment, or replace a stopped one of the same id. False when a running one has the id. */
  create(experiment: StoredExperiment): Promise<boolean>;
  /** Write `state` only over the stored `state.version - 1` of the same start. False when another instance moved first. */
  advance(id: string, state: ExperimentState): Promise<boolean>;
  /**
   * Per-arm figures summed up from the request log (absent: figures are counted in the process).
   * Requests the client aborted are left out; a rating counts for the request it rates.
   */
  figures?(query: FiguresQuery): Promise<Map<string, ArmFigures>>;
}

/** The request-log `strategy` of an arm's requests: `experiment:<id>/<arm>`. */
export const armStrategy = (id: string, arm: string): string => `experiment:${id}/${arm}`;

/** Experiments in memory (one process; figures counted in the process). */
export class MemoryExperimentStore implements ExperimentStore {
  readonly #rows = new Map<string, StoredExperiment>();
  async list() {
    return [...this.#rows.values()].map((r) => structuredClone(r));
  }
  async create(experiment: StoredExperiment) {
    if (this.#rows.get(experiment.definition.id)?.state.status === 'running') return false;
    this.#rows.set(experiment.definition.id, structuredClone(experiment));
    return true;
  }
  async advance(id: string, state: ExperimentState) {
    const row = this.#rows.get(id);
    if (!row || row.state.startedAt !== state.startedAt || row.state.version !== state.version - 1) return false;
    row.state = structuredClone(state);
    return true;
  }
}

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'A/B tests',
    up: [
      `CREATE TABLE IF NOT EXISTS switchyard_experiments (
        id TEXT PRIMARY KEY, definition TEXT NOT NULL, state TEXT NOT NULL, status TEXT NOT NULL, started_at BIGINT NOT NULL, version BIGINT NOT NULL
      )`,
    ],
  },
];
const COMPONENT = 'experiments-ab';

/** Options of the SQL experiment stores. */
export interface SqlExperimentStoreOptions {
  /**
   * Sum figures up from the request log (`switchyard_request_logs`, written by
   * @switchyard/usage-accounting) and ratings (`switchyard_feedback`) in the same database.
   * Defaults to false (figures are counted in each process).
   */
  figuresFromRequestLog?: boolean;
}

const rowOf = (r: Record<string, unknown>): StoredExperiment => ({ definition: JSON.parse(String(r.definition)), state: JSON.parse(String(r.state)) });

// Placeholders appear in the order they are numbered (SQLite binds `?` by position).
// `* 1.0`: squares of integer columns in floating point (PostgreSQL's INTEGER would overflow).
// A request holds one rating per source (the client's, the judge's): one join each keeps one row per request.
// A success as ArmFigures.record counts it; cost is averaged over successes only (a failure's $0 is no saving).
const SUCCESS = `l.outcome = 'completed' AND l.status < 400`;
const sumsSql = (arms: number, p: (i: number) => string) => `SELECT l.strategy AS strategy, COUNT(*) AS requests,
    SUM(CASE WHEN ${SUCCESS} THEN 1 ELSE 0 END) AS successes,
    SUM(l.latency_ms) AS latency_sum, SUM(l.latency_ms * 1.0 * l.latency_ms) AS latency_sq,
    COUNT(l.ttft_ms) AS ttft_n, SUM(l.ttft_ms) AS ttft_sum, SUM(l.ttft_ms * 1.0 * l.ttft_ms) AS ttft_sq,
    COUNT(CASE WHEN ${SUCCESS} THEN l.cost_usd END) AS cost_n, SUM(CASE WHEN ${SUCCESS} THEN l.cost_usd END) AS cost_sum,
    SUM(CASE WHEN ${SUCCESS} THEN l.cost_usd * l.cost_usd END) AS cost_sq,
    COUNT(f.score) + COUNT(j.score) AS quality_n, COALESCE(SUM(f.score), 0) + COALESCE(SUM(j.score), 0) AS quality_sum,
    COALESCE(SUM(f.score * f.score), 0) + COALESCE(SUM(j.score * j.score), 0) AS quality_sq
  FROM switchyard_request_logs l
    LEFT JOIN switchyard_feedback f ON f.request_id = l.request_id AND f.source = 'user'
    LEFT JOIN switchyard_feedback j ON j.request_id = l.request_id AND j.source = 'judge'
  WHERE l.started_at >= ${p(1)} AND l.started_at <= ${p(2)} AND l.strategy IN (${Array.from({ length: arms }, (_, i) => p(i + 3)).join(', ')}) AND l.outcome <> 'aborted'
  GROUP BY l.strategy`;
const latenciesSql = (p: (i: number) => string) => `SELECT latency_ms FROM switchyard_request_logs
  WHERE strategy = ${p(1)} AND started_at >= ${p(2)} AND started_at <= ${p(3)} AND outcome <> 'aborted' ORDER BY started_at DESC LIMIT ${QUANTILE_WINDOW}`;

/** Build the per-arm figures from the aggregate rows and each arm's latest latencies. */
async function figuresOf(
  query: FiguresQuery,
  sums: Record<string, unknown>[],
  latencies: (strategy: string) => Promise<number[]>,
): Promise<Map<string, ArmFigures>> {
  const byStrategy = new Map(sums.map((r) => [String(r.strategy), r]));
  const out = new Map<string, ArmFigures>();
  for (const [arm, strategy] of Object.entries(query.arms)) {
    const f = new ArmFigures();
    const r = byStrategy.get(strategy);
    if (r) {
      const n = (k: string) => Number(r[k] ?? 0);
      f.requests = n('requests');
      f.successes = n('successes');
      f.latency = RunningMean.fromSums(f.requests, n('latency_sum'), n('latency_sq'));
      f.ttft = RunningMean.fromSums(n('ttft_n'), n('ttft_sum'), n('ttft_sq'));
      f.cost = RunningMean.fromSums(n('cost_n'), n('cost_sum'), n('cost_sq'));
      f.quality = RunningMean.fromSums(n('quality_n'), n('quality_sum'), n('quality_sq'));
      f.latencies = (await latencies(strategy)).reverse();
    }
    out.set(arm, f);
  }
  return out;
}

/** Experiments in a better-sqlite3 database (migrated on open). */
export function sqliteExperimentStore(db: SqliteDatabase, options: SqlExperimentStoreOptions = {}): ExperimentStore {
  migrateSqlite(db, COMPONENT, MIGRATIONS);
  const list = db.prepare('SELECT definition, state FROM switchyard_experiments ORDER BY id');
  const create = db.prepare(
    `INSERT INTO switchyard_experiments (id, definition, state, status, started_at, version) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, state = excluded.state, status = excluded.status,
       started_at = excluded.started_at, version = excluded.version WHERE switchyard_experiments.status <> 'running'`,
  );
  const advance = db.prepare('UPDATE switchyard_experiments SET state = ?, status = ?, version = ? WHERE id = ? AND started_at = ? AND version = ?');
  const changed = (result: unknown) => (result as { changes: number }).changes === 1;
  const store: ExperimentStore = {
    async list() {
      return (list.all() as Record<string, unknown>[]).map(rowOf);
    },
    async create({ definition, state }) {
      return changed(create.run(definition.id, JSON.stringify(definition), JSON.stringify(state), state.status, state.startedAt, state.version));
    },
    async advance(id, state) {
      return changed(advance.run(JSON.stringify(state), state.status, state.version, id, state.startedAt, state.version - 1));
    },
  };
  if (!options.figuresFromRequestLog) return store;
  const q = () => '?';
  const latencies = db.prepare(latenciesSql(q));
  return {
    ...store,
    async figures(query) {
      const strategies = Object.values(query.arms);
      const sums = db.prepare(sumsSql(strategies.length, q)).all(query.since, query.until, ...strategies) as Record<string, unknown>[];
      return figuresOf(query, sums, async (s) => (latencies.all(s, query.since, query.until) as { latency_ms: number }[]).map((r) => Number(r.latency_ms)));
    },
  };
}

/** Experiments in PostgreSQL (migrated on open). */
export async function postgresExperimentStore(pool: PgPool, options: SqlExperimentStoreOptions = {}): Promise<ExperimentStore> {
  await migratePostgresPool(pool, COMPONENT, MIGRATIONS);
  const store: ExperimentStore = {
    async list() {
      return (await pool.query('SELECT definition, state FROM switchyard_experiments ORDER BY id')).rows.map(rowOf);
    },
    async create({ definition, state }) {
      const { rows } = await pool.query(
        `INSERT INTO switchyard_experiments (id, definition, state, status, started_at, version) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition, state = EXCLUDED.state, status = EXCLUDED.status,
           started_at = EXCLUDED.started_at, version = EXCLUDED.version WHERE switchyard_experiments.status <> 'running' RETURNING id`,
        [definition.id, JSON.stringify(definition), JSON.stringify(state), state.status, state.startedAt, state.version],
      );
      return rows.length === 1;
    },
    async advance(id, state) {
      const { rows } = await pool.query(
        'UPDATE switchyard_experiments SET state = $1, status = $2, version = $3 WHERE id = $4 AND started_at = $5 AND version = $6 RETURNING id',
        [JSON.stringify(state), state.status, state.version, id, state.startedAt, state.version - 1],
      );
      return rows.length === 1;
    },
  };
  if (!options.figuresFromRequestLog) return store;
  const q = (i: number) => `$${i}`;
  return {
    ...store,
    async figures(query) {
      const strategies = Object.values(query.arms);
      const { rows } = await pool.query(sumsSql(strategies.length, q), [query.since, query.until, ...strategies]);
      return figuresOf(query, rows, async (s) =>
        (await pool.query(latenciesSql(q), [s, query.since, query.until])).rows.map((r: Record<string, unknown>) => Number(r.latency_ms)),
      );
    },
  };
}
