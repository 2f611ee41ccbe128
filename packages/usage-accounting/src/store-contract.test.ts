// The contract every queryable request log store meets (run by sqlite-store and postgres-store tests).
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { RequestLogRecord } from './record.js';
import type { RequestLogStore, StoredRecord } from './store.js';

const HOUR = 3_600_000;
export const T0 = Date.UTC(2025, 0, 1, 12);

let seq = 0;
export function rec(over: Partial<RequestLogRecord> & { uid?: string } = {}): StoredRecord {
  seq++;
  return {
    uid: `uid-${seq}-${Math.random()}`,
    id: `req-${seq}`,
    time: T0,
    keyId: 'k1',
    keyName: 'team-a',
    requestedModel: 'gpt-4o',
    resolvedModel: 'gpt-4o',
    provider: 'openai',
    strategy: 'priority',
    attempts: [{ provider: 'openai', model: 'gpt-4o', outcome: 'success', latencyMs: 100, ttftMs: 40 }],
    status: 200,
    outcome: 'completed',
    latencyMs: 120,
    ttftMs: 45,
    usage: { input: 100, cacheRead: 50, cacheWrite: 0, cacheWrite1h: 0, output: 10, reasoning: 0, source: 'provider' },
    costUsd: 0.001,
    costBreakdown: { input: 0.0005, cache_read: 0.0003, cache_write: 0, cache_write_1h: 0, output: 0.0002 },
    format: 'openai.chat',
    stream: false,
    ...over,
  };
}

/** Known traffic: 3 openai/k1, 1 anthropic/k2 (unpriced, estimated), 1 failed, 1 a day earlier. */
export function knownTraffic(): StoredRecord[] {
  return [
    rec({ time: T0 - 3 * HOUR }),
    rec({ time: T0 - 2 * HOUR }),
    rec({ time: T0 - 1 * HOUR, stream: true }),
    rec({
      time: T0 - 1 * HOUR,
      keyId: 'k2',
      keyName: 'team-b',
      provider: 'anthropic',
      resolvedModel: 'claude',
      requestedModel: 'claude',
      usage: { input: 7, cacheRead: 0, cacheWrite: 3, cacheWrite1h: 2, output: 5, reasoning: 0, source: 'estimated' },
      costUsd: null,
      costReason: 'no price for anthropic/claude',
      costBreakdown: undefined,
    }),
    rec({
      time: T0 - 30 * 60_000,
      status: 502,
      outcome: 'failed',
      provider: null,
      resolvedModel: null,
      usage: null,
      costUsd: 0,
      error: 'All providers failed',
      attempts: [{ provider: 'openai', model: 'gpt-4o', outcome: 'failure', failureKind: 'server_error', status: 500, latencyMs: 10 }],
      costBreakdown: undefined,
    }),
    rec({ time: T0 - 30 * HOUR, costUsd: 0.5 }),
  ];
}

function strip(r: StoredRecord): RequestLogRecord {
  const { uid: _u, ...rest } = r;
  return JSON.parse(JSON.stringify(rest)) as RequestLogRecord;
}

export async function storeContract(t: TestContext, store: RequestLogStore): Promise<void> {
  const traffic = knownTraffic();
  await store.write(traffic);

  await t.test('get returns a record as written (attempts, usage, cost, error)', async () => {
    for (const r of traffic) assert.deepEqual(await store.get(r.id), strip(r));
    assert.equal(await store.get('nope'), undefined);
  });

  await t.test('a batch written twice is stored and counted once (idempotent retry)', async () => {
    const before = (await store.keyTotals(['k1'])).get('k1');
    await store.write(traffic.slice(0, 2));
    assert.deepEqual((await store.keyTotals(['k1'])).get('k1'), before);
    assert.equal((await store.list({ limit: 100 })).records.length, traffic.length);
  });

  await t.test('list: newest first, filters, cursor pagination', async () => {
    const all = await store.list({ limit: 100 });
    assert.deepEqual(
      all.records.map((r) => r.time),
      [...traffic].map((r) => r.time).sort((a, b) => b - a),
    );
    assert.equal(all.nextCursor, undefined);
    assert.deepEqual(
      (await store.list({ limit: 100, keyId: 'k2' })).records.map((r) => r.keyId),
      ['k2'],
    );
    assert.equal((await store.list({ limit: 100, provider: 'openai' })).records.length, 4);
    assert.equal((await store.list({ limit: 100, model: 'claude' })).records.length, 1);
    assert.deepEqual(
      (await store.list({ limit: 100, status: 502 })).records.map((r) => r.status),
      [502],
    );
    assert.equal((await store.list({ limit: 100, from: T0 - 2 * HOUR, to: T0 })).records.length, 4);
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      pages.push(page.records.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(
      pages.map((p) => p.length),
      [2, 2, 2],
    );
    assert.deepEqual(
      pages.flat(),
      all.records.map((r) => r.id),
    );
  });

  await t.test('aggregate by key, model and provider over a window', async () => {
    const byKey = await store.aggregate('key', T0 - 24 * HOUR, T0 + 1);
    const k1 = byKey.find((g) => g.group === 'k1')!;
    assert.equal(k1.name, 'team-a');
    assert.equal(k1.requests, 4);
    assert.equal(k1.failedRequests, 1);
    assert.equal(k1.inputTokens, 300);
    assert.equal(k1.cacheReadTokens, 150);
    assert.equal(k1.outputTokens, 30);
    assert.ok(Math.abs(k1.spendUsd - 0.003) < 1e-12);
    const k2 = byKey.find((g) => g.group === 'k2')!;
    assert.deepEqual([k2.requests, k2.unpricedRequests, k2.estimatedRequests, k2.spendUsd, k2.cacheWriteTokens, k2.cacheWrite1hTokens], [1, 1, 1, 0, 3, 2]);
    const byProvider = await store.aggregate('provider', T0 - 24 * HOUR, T0 + 1);
    assert.deepEqual(
      byProvider.map((g) => [g.group, g.requests]).sort(),
      [
        ['anthropic', 1],
        ['openai', 3],
        [null, 1],
      ].sort(),
    );
    const byModel = await store.aggregate('model', T0 - 48 * HOUR, T0 + 1);
    assert.ok(Math.abs(byModel.find((g) => g.group === 'gpt-4o')!.spendUsd - 0.503) < 1e-12, 'the 48h window includes yesterday');
  });

  await t.test('aggregateByTime: one row per group and epoch-aligned bucket, oldest first', async () => {
    // T0 is on the hour: the 3 openai requests fall in the buckets of T0-3h, T0-2h and T0-1h,
    // the failed one (no provider) in T0-1h, and 30 min buckets split T0-1h from T0-30min.
    const hourly = await store.aggregateByTime('provider', T0 - 24 * HOUR, T0 + 1, HOUR);
    const starts = hourly.map((b) => b.bucketStart);
    assert.deepEqual(
      starts,
      [...starts].sort((a, b) => a - b),
      'oldest bucket first',
    );
    assert.deepEqual(
      hourly.map((b) => [b.bucketStart - T0, b.group ?? 'none', b.requests]).sort(),
      [
        [-3 * HOUR, 'openai', 1],
        [-2 * HOUR, 'openai', 1],
        [-HOUR, 'openai', 1],
        [-HOUR, 'anthropic', 1],
        [-HOUR, 'none', 1],
      ].sort(),
    );
    const k2 = (await store.aggregateByTime('key', T0 - 24 * HOUR, T0 + 1, HOUR)).find((b) => b.group === 'k2')!;
    assert.deepEqual([k2.name, k2.bucketStart, k2.unpricedRequests, k2.estimatedRequests, k2.cacheWrite1hTokens], ['team-b', T0 - HOUR, 1, 1, 2]);
    const daily = await store.aggregateByTime('model', T0 - 48 * HOUR, T0 + 1, 24 * HOUR);
    const gpt = daily.filter((b) => b.group === 'gpt-4o');
    assert.deepEqual(
      gpt.map((b) => b.bucketStart % (24 * HOUR)),
      [0, 0],
      'buckets start at UTC midnight',
    );
    assert.ok(Math.abs(gpt.reduce((sum, b) => sum + b.spendUsd, 0) - 0.503) < 1e-12, 'the buckets add up to the ungrouped total');
    const half = await store.aggregateByTime('provider', T0 - HOUR, T0, 30 * 60_000);
    assert.deepEqual(
      half.map((b) => [b.bucketStart - T0, b.group ?? 'none']).sort(),
      [
        [-HOUR, 'anthropic'],
        [-HOUR, 'openai'],
        [-30 * 60_000, 'none'],
      ].sort(),
    );
  });

  await t.test('key totals are lifetime sums per key', async () => {
    const totals = await store.keyTotals(['k1', 'k2', 'k3']);
    assert.deepEqual(totals.get('k1'), {
      requests: 5,
      inputTokens: 400,
      cacheReadTokens: 200,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
      outputTokens: 40,
      spendUsd: 0.503,
      unpricedRequests: 0,
    });
    // An unpriced request adds nothing to the spend and says so beside it.
    assert.deepEqual(totals.get('k2'), {
      requests: 1,
      inputTokens: 7,
      cacheReadTokens: 0,
      cacheWriteTokens: 3,
      cacheWrite1hTokens: 2,
      outputTokens: 5,
      spendUsd: 0,
      unpricedRequests: 1,
    });
    assert.equal(totals.has('k3'), false);
  });

  await t.test('prune deletes records older than the retention cut-off, keeps totals', async () => {
    assert.equal(await store.prune(T0 - 24 * HOUR), 1);
    assert.equal((await store.list({ limit: 100 })).records.length, traffic.length - 1);
    assert.equal((await store.keyTotals(['k1'])).get('k1')!.requests, 5);
  });
}

/**
 * Rows a version-1 database holds (before one-hour cache writes and unpriced counts): one
 * priced and one unpriced request of key `old`. `ph` numbers the placeholders ($1 or ?).
 */
export function version1Rows(ph: (i: number) => string): Array<{ sql: string; params: unknown[] }> {
  const log = (uid: string, cost: number | null) => ({
    sql: `INSERT INTO switchyard_request_logs (uid, request_id, started_at, key_id, requested_model, resolved_model, provider, status, outcome,
      latency_ms, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, usage_source, cost_usd, format, stream,
      attempt_count, detail) VALUES (${Array.from({ length: 21 }, (_, i) => ph(i + 1)).join(', ')})`,
    params: [uid, uid, T0, 'old', 'm', 'm', 'p', 200, 'completed', 5, 10, 0, 4, 2, 0, 'provider', cost, 'anthropic.messages', 0, 1, '{"attempts":[]}'],
  });
  return [
    log('old-1', 0.01),
    log('old-2', null),
    {
      sql: `INSERT INTO switchyard_key_usage (key_id, requests, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, spend_usd)
        VALUES (${[1, 2, 3, 4, 5, 6, 7].map(ph).join(', ')})`,
      params: ['old', 2, 20, 0, 8, 4, 0.01],
    },
  ];
}

/** After the upgrade: the old key's unpriced request is counted, one-hour writes read as 0. */
export async function checkUpgradedFromVersion1(store: RequestLogStore): Promise<void> {
  assert.deepEqual((await store.keyTotals(['old'])).get('old'), {
    requests: 2,
    inputTokens: 20,
    cacheReadTokens: 0,
    cacheWriteTokens: 8,
    cacheWrite1hTokens: 0,
    outputTokens: 4,
    spendUsd: 0.01,
    unpricedRequests: 1,
  });
  assert.equal((await store.get('old-2'))!.usage!.cacheWrite1h, 0);
}
