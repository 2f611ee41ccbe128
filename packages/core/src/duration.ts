/**
 * The one reader of human durations and sizes for every config section and query parameter.
 * @module
 */

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** Bounds and the name used in errors. */
export interface DurationOptions {
  /** The field's path, put before the message. Defaults to none. */
  path?: string;
  /** Smallest accepted value in ms. Defaults to 0. */
  min?: number;
  /** Largest accepted value in ms. Defaults to no limit. */
  max?: number;
}

function fail(options: DurationOptions, message: string): never {
  throw new TypeError(options.path ? `${options.path}: ${message}` : message);
}

/**
 * Parse a duration: a number of milliseconds, or `250ms`, `30s`, `5m`, `1h`, `7d`.
 * @throws {TypeError} naming `options.path` for anything else or a value out of bounds.
 * @example parseDuration('30s') // 30000
 * @example parseDuration(window, { path: 'routing.latency.window', min: 1 })
 */
export function parseDuration(value: unknown, options: DurationOptions = {}): number {
  let ms = Number.NaN;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value);
    if (m) ms = Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']!);
  }
  if (!Number.isFinite(ms))
    fail(options, `must be a duration such as 500ms, 30s, 5m, 1h, 7d or a number of milliseconds; got ${JSON.stringify(value)?.slice(0, 64)}`);
  const min = options.min ?? 0;
  if (ms < min) fail(options, min === 1 ? 'must be longer than 0' : `must be at least ${min} ms`);
  if (options.max !== undefined && ms > options.max) fail(options, `must be at most ${options.max} ms`);
  return ms;
}

/**
 * Parse a byte size: a positive whole number, or `512kb`, `10mb`, `1gb`.
 * @example parseBytes('10mb') // 10485760
 */
export function parseBytes(value: unknown, options: Pick<DurationOptions, 'path'> = {}): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(value);
    if (m && Number(m[1]) > 0) return Math.round(Number(m[1]) * SIZE_UNITS[(m[2] ?? 'b').toLowerCase()]!);
  }
  return fail(options, `must be a size such as 512kb or 10mb; got ${JSON.stringify(value)?.slice(0, 64)}`);
}
