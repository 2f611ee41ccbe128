const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parse a duration: a number of milliseconds, or a string like `250ms`, `30s`, `5m`, `1h`, `1d`
 * (the forms Switchyard configs and headers use).
 * @example parseDuration('30s') // 30000
 */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value);
    if (m) return Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']!);
  }
  throw new TypeError(`must be a duration such as 500ms, 30s, 5m or a number of milliseconds; got ${JSON.stringify(value)}`);
}
