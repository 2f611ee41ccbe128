export { parseDuration } from '@switchyard/core';

/**
 * Parse a byte size: a number, or `512kb`, `10mb`, `1gb`.
 * @example parseBytes('10mb') // 10485760
 */
export function parseBytes(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(value);
    if (m) return Math.round(Number(m[1]) * 1024 ** ['b', 'kb', 'mb', 'gb'].indexOf((m[2] ?? 'b').toLowerCase()));
  }
  throw new TypeError(`must be a size such as 512kb or 10mb; got ${JSON.stringify(value)}`);
}
