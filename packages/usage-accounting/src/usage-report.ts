import { parseBucket, parseGroupBy, parseRange } from './admin-query.js';
import { addTotals, zeroTotals, type KeyUsageTotals, type RequestLogStore, type UsageGroup } from './store.js';

type Params = Record<string, string | string[] | undefined>;

/** Totals of the groups: the same fields as a key's totals, spend rounded like the groups'. */
function addUp(data: readonly UsageGroup[]): KeyUsageTotals {
  const totals = data.reduce<KeyUsageTotals>((t, g) => addTotals(t, g), zeroTotals());
  return { ...totals, spendUsd: Math.round(totals.spendUsd * 1e12) / 1e12 };
}

/**
 * The body of `GET /usage`: per group over the range, or with `bucket=1h` per group and time
 * bucket (one grouped query; rows carry `bucketStart` as ISO-8601, oldest first), plus totals.
 */
export async function usageReport(store: RequestLogStore, params: Params, now: number): Promise<Record<string, unknown>> {
  const groupBy = parseGroupBy(params);
  const range = parseRange(params, now);
  const bucketMs = parseBucket(params, range);
  const window = { group_by: groupBy, from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() };
  if (bucketMs === undefined) {
    const data = await store.aggregate(groupBy, range.from, range.to);
    return { ...window, data, totals: addUp(data) };
  }
  const rows = await store.aggregateByTime(groupBy, range.from, range.to, bucketMs);
  const data = rows.map(({ bucketStart, ...group }) => ({ bucketStart: new Date(bucketStart).toISOString(), ...group }));
  return { ...window, bucket_ms: bucketMs, data, totals: addUp(rows) };
}
