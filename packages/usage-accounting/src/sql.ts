import type { RequestLogRecord } from './record.js';
import { addTotals, totalsOf, type KeyUsageTotals, type LogQuery, type StoredRecord, type UsageBucket, type UsageGroup, type UsageGroupBy } from './store.js';

/** SQL shared by the SQLite and PostgreSQL stores; only placeholders differ. */
export type Placeholder = (index: number) => string;

export const INSERT_COLUMNS = [
  'uid',
  'request_id',
  'started_at',
  'key_id',
  'key_name',
  'requested_model',
  'resolved_model',
  'provider',
  'strategy',
  'status',
  'outcome',
  'latency_ms',
  'ttft_ms',
  'input_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cache_write_1h_tokens',
  'output_tokens',
  'reasoning_tokens',
  'usage_source',
  'cost_usd',
  'cost_reason',
  'format',
  'stream',
  'attempt_count',
  'detail',
] as const;

/** INSERT of one record that does nothing when its uid is already stored. */
export function insertSql(ph: Placeholder, conflict: 'sqlite' | 'postgres'): string {
  const values = INSERT_COLUMNS.map((_, i) => ph(i + 1)).join(', ');
  const verb = conflict === 'sqlite' ? 'INSERT OR IGNORE' : 'INSERT';
  const tail = conflict === 'postgres' ? ' ON CONFLICT (uid) DO NOTHING' : '';
  return `${verb} INTO switchyard_request_logs (${INSERT_COLUMNS.join(', ')}) VALUES (${values})${tail}`;
}

/** Parameters of {@link insertSql} for a record. */
export function insertParams(r: StoredRecord): unknown[] {
  const u = r.usage;
  const detail: Record<string, unknown> = { attempts: r.attempts };
  if (r.costBreakdown) detail.costBreakdown = r.costBreakdown;
  if (r.error !== undefined) detail.error = r.error;
  if (r.clientRequestId !== undefined) detail.clientRequestId = r.clientRequestId;
  if (r.requestBody !== undefined) detail.requestBody = r.requestBody;
  if (r.responseBody !== undefined) detail.responseBody = r.responseBody;
  return [
    r.uid,
    r.id,
    r.time,
    r.keyId,
    r.keyName,
    r.requestedModel,
    r.resolvedModel,
    r.provider,
    r.strategy,
    r.status,
    r.outcome,
    Math.round(r.latencyMs),
    r.ttftMs === null ? null : Math.round(r.ttftMs),
    u ? u.input : null,
    u ? u.cacheRead : null,
    u ? u.cacheWrite : null,
    u ? u.cacheWrite1h : null,
    u ? u.output : null,
    u ? u.reasoning : null,
    u ? u.source : null,
    r.costUsd,
    r.costReason ?? null,
    r.format,
    r.stream ? 1 : 0,
    r.attempts.length,
    JSON.stringify(detail),
  ];
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** A stored row back into a record. */
export function rowToRecord(row: Record<string, unknown>): RequestLogRecord {
  const detail = JSON.parse(String(row.detail)) as Record<string, unknown>;
  const record: RequestLogRecord = {
    id: String(row.request_id),
    time: n(row.started_at),
    keyId: s(row.key_id),
    keyName: s(row.key_name),
    requestedModel: String(row.requested_model),
    resolvedModel: s(row.resolved_model),
    provider: s(row.provider),
    strategy: s(row.strategy),
    attempts: (detail.attempts as RequestLogRecord['attempts']) ?? [],
    status: n(row.status),
    outcome: String(row.outcome) as RequestLogRecord['outcome'],
    latencyMs: n(row.latency_ms),
    ttftMs: row.ttft_ms === null || row.ttft_ms === undefined ? null : n(row.ttft_ms),
    usage:
      row.usage_source === null || row.usage_source === undefined
        ? null
        : {
            input: n(row.input_tokens),
            cacheRead: n(row.cache_read_tokens),
            cacheWrite: n(row.cache_write_tokens),
            cacheWrite1h: n(row.cache_write_1h_tokens),
            output: n(row.output_tokens),
            reasoning: n(row.reasoning_tokens),
            source: String(row.usage_source) as 'provider' | 'estimated',
          },
    costUsd: row.cost_usd === null || row.cost_usd === undefined ? null : Number(row.cost_usd),
    format: String(row.format) as RequestLogRecord['format'],
    stream: n(row.stream) === 1,
  };
  if (row.cost_reason !== null && row.cost_reason !== undefined) record.costReason = String(row.cost_reason);
  if (detail.costBreakdown) record.costBreakdown = detail.costBreakdown as Record<string, number>;
  if (detail.error !== undefined) record.error = detail.error as string;
  if (typeof detail.clientRequestId === 'string') record.clientRequestId = detail.clientRequestId;
  if (detail.requestBody !== undefined) record.requestBody = detail.requestBody;
  if (detail.responseBody !== undefined) record.responseBody = detail.responseBody;
  return record;
}

/** Keyset cursor: (started_at, seq) of the last row of a page. */
export function encodeCursor(time: number, seq: number): string {
  return Buffer.from(`${time}:${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): { time: number; seq: number } | undefined {
  const [t, q] = Buffer.from(cursor, 'base64url').toString().split(':');
  const time = Number(t);
  const seq = Number(q);
  return Number.isSafeInteger(time) && Number.isSafeInteger(seq) ? { time, seq } : undefined;
}

/** SELECT of one page of logs (one row more than the limit, to know whether there is a next page). */
export function listSql(ph: Placeholder, q: LogQuery): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => ph(params.push(v));
  if (q.keyId !== undefined) where.push(`key_id = ${p(q.keyId)}`);
  if (q.from !== undefined) where.push(`started_at >= ${p(q.from)}`);
  if (q.to !== undefined) where.push(`started_at < ${p(q.to)}`);
  if (q.model !== undefined) where.push(`(resolved_model = ${p(q.model)} OR requested_model = ${p(q.model)})`);
  if (q.provider !== undefined) where.push(`provider = ${p(q.provider)}`);
  if (q.status !== undefined) where.push(`status = ${p(q.status)}`);
  const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
  if (cursor) where.push(`(started_at < ${p(cursor.time)} OR (started_at = ${p(cursor.time)} AND seq < ${p(cursor.seq)}))`);
  const sql =
    'SELECT * FROM switchyard_request_logs' +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY started_at DESC, seq DESC LIMIT ${p(q.limit + 1)}`;
  return { sql, params };
}

const GROUP_COLUMN: Record<UsageGroupBy, string> = { key: 'key_id', model: 'resolved_model', provider: 'provider' };

/**
 * SELECT of usage grouped by key, model or provider over [from, to) (parameters `from, to`);
 * with `bucketed`, also by time bucket (parameters `bucketMs, from, to`): `bucket` is the start
 * of a bucket counted from the epoch (so buckets line up across queries), oldest first.
 */
export function aggregateSql(ph: Placeholder, groupBy: UsageGroupBy, bucketed = false): string {
  const col = GROUP_COLUMN[groupBy];
  const at = bucketed ? 1 : 0;
  return `SELECT ${bucketed ? `started_at - (started_at % ${ph(1)}) AS bucket, ` : ''}${col} AS grp, MAX(key_name) AS name, COUNT(*) AS requests,
    SUM(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END) AS failed,
    COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(cache_read_tokens), 0) AS cache_read_tokens,
    COALESCE(SUM(cache_write_tokens), 0) AS cache_write_tokens, COALESCE(SUM(cache_write_1h_tokens), 0) AS cache_write_1h_tokens,
    COALESCE(SUM(output_tokens), 0) AS output_tokens,
    COALESCE(SUM(cost_usd), 0) AS spend, SUM(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END) AS unpriced,
    SUM(CASE WHEN usage_source = 'estimated' THEN 1 ELSE 0 END) AS estimated
    FROM switchyard_request_logs WHERE started_at >= ${ph(1 + at)} AND started_at < ${ph(2 + at)}
    GROUP BY ${bucketed ? 'bucket, ' : ''}${col} ORDER BY ${bucketed ? 'bucket, ' : ''}spend DESC, requests DESC`;
}

export function rowToGroup(row: Record<string, unknown>, groupBy: UsageGroupBy): UsageGroup {
  const group: UsageGroup = {
    group: s(row.grp),
    requests: n(row.requests),
    failedRequests: n(row.failed),
    inputTokens: n(row.input_tokens),
    cacheReadTokens: n(row.cache_read_tokens),
    cacheWriteTokens: n(row.cache_write_tokens),
    cacheWrite1hTokens: n(row.cache_write_1h_tokens),
    outputTokens: n(row.output_tokens),
    spendUsd: Math.round(n(row.spend) * 1e12) / 1e12,
    unpricedRequests: n(row.unpriced),
    estimatedRequests: n(row.estimated),
  };
  if (groupBy === 'key') group.name = s(row.name);
  return group;
}

export function rowToBucket(row: Record<string, unknown>, groupBy: UsageGroupBy): UsageBucket {
  return { bucketStart: n(row.bucket), ...rowToGroup(row, groupBy) };
}

/** Per-key increments of a batch (records without a key add nothing). */
export function keyDeltas(batch: readonly RequestLogRecord[]): Map<string, KeyUsageTotals> {
  const deltas = new Map<string, KeyUsageTotals>();
  for (const r of batch) {
    if (r.keyId === null) continue;
    const prev = deltas.get(r.keyId);
    deltas.set(r.keyId, prev ? addTotals(prev, totalsOf(r)) : totalsOf(r));
  }
  return deltas;
}

/** Columns of `switchyard_key_usage` besides `key_id`, in {@link upsertTotalsParams} order. */
const TOTALS_COLUMNS = [
  'requests',
  'input_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cache_write_1h_tokens',
  'output_tokens',
  'spend_usd',
  'unpriced_requests',
] as const;

/** Upsert that adds a delta to a key's totals. */
export function upsertTotalsSql(ph: Placeholder): string {
  const t = 'switchyard_key_usage';
  const added = TOTALS_COLUMNS.map((c) => `${c} = ${t}.${c} + excluded.${c}`).join(',\n      ');
  return `INSERT INTO ${t} (key_id, ${TOTALS_COLUMNS.join(', ')})
    VALUES (${[ph(1), ...TOTALS_COLUMNS.map((_, i) => ph(i + 2))].join(', ')})
    ON CONFLICT (key_id) DO UPDATE SET ${added}`;
}

export function upsertTotalsParams(keyId: string, d: KeyUsageTotals): unknown[] {
  return [keyId, d.requests, d.inputTokens, d.cacheReadTokens, d.cacheWriteTokens, d.cacheWrite1hTokens, d.outputTokens, d.spendUsd, d.unpricedRequests];
}

export function rowToTotals(row: Record<string, unknown>): KeyUsageTotals {
  return {
    requests: n(row.requests),
    inputTokens: n(row.input_tokens),
    cacheReadTokens: n(row.cache_read_tokens),
    cacheWriteTokens: n(row.cache_write_tokens),
    cacheWrite1hTokens: n(row.cache_write_1h_tokens),
    outputTokens: n(row.output_tokens),
    spendUsd: Math.round(n(row.spend_usd) * 1e12) / 1e12,
    unpricedRequests: n(row.unpriced_requests),
  };
}

/** Cut a limit+1 row result into a page and the cursor of the next one. */
export function page(rows: Record<string, unknown>[], limit: number) {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return {
    records: kept.map(rowToRecord),
    ...(more && last ? { nextCursor: encodeCursor(Number(last.started_at), Number(last.seq)) } : {}),
  };
}
