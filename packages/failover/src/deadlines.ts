import { GatewayError, parseDuration } from '@switchyard/core';
import type { FailoverTimeouts, TargetTimeouts } from './options.js';

/** The deadlines of one attempt at one target, in ms (0: none). */
export type Deadlines = Required<TargetTimeouts>;

/** Header names of {@link parseTimeoutsHeader}'s fields, as in the config file. */
const HEADER_FIELDS: Record<string, keyof FailoverTimeouts> = {
  connect: 'connectMs',
  first_byte: 'firstByteMs',
  first_token: 'firstTokenMs',
  response: 'responseMs',
  idle: 'idleMs',
  total: 'totalMs',
};

/**
 * The tighter of two limits, where 0 or undefined means "none".
 * @example narrow(30_000, 5_000) // 5000
 */
export function narrow(limit: number, tighter: number | undefined): number {
  if (!(tighter !== undefined && tighter > 0)) return limit;
  return limit > 0 ? Math.min(limit, tighter) : tighter;
}

/**
 * One attempt's deadlines: the executor's, overridden by the target's own (a provider's or a
 * model's), then narrowed by the client's (which can only shorten them).
 */
export function deadlinesFor(base: Required<FailoverTimeouts>, target: TargetTimeouts | undefined, client: FailoverTimeouts | undefined): Deadlines {
  const out = {} as Deadlines;
  for (const key of ['connectMs', 'firstByteMs', 'firstTokenMs', 'responseMs', 'idleMs'] as const) {
    out[key] = narrow(target?.[key] ?? base[key], client?.[key]);
  }
  return out;
}

/**
 * The deadline the attempt's call itself runs under (cockatiel timeout): a stream's first
 * event, or a non-stream call's whole answer.
 */
export function callDeadline(d: Deadlines, stream: boolean): number {
  return stream ? d.firstTokenMs : d.responseMs;
}

/**
 * Parse `X-Failover-Timeouts: first_token=5s, idle=10s, total=30s` (keys as in the config's
 * `timeouts:` block; durations as there). Throws a 400 naming the header on anything else.
 *
 * @example parseTimeoutsHeader('first_token=5s, total=1m') // { firstTokenMs: 5000, totalMs: 60000 }
 */
export function parseTimeoutsHeader(raw: string): FailoverTimeouts {
  const out: FailoverTimeouts = {};
  for (const part of raw.split(',')) {
    if (!part.trim()) continue;
    const [name, value] = part.split('=').map((s) => s.trim());
    const field = name ? HEADER_FIELDS[name.toLowerCase()] : undefined;
    if (!field || !value) throw badTimeouts(`X-Failover-Timeouts: expected name=duration with a name among ${Object.keys(HEADER_FIELDS).join(', ')}`);
    let ms: number;
    try {
      ms = parseDuration(value);
    } catch (err) {
      throw badTimeouts(`X-Failover-Timeouts: ${name} ${(err as Error).message}`);
    }
    if (ms > 0) out[field] = ms;
  }
  return out;
}

function badTimeouts(message: string): GatewayError {
  return new GatewayError(message, { status: 400, code: 'invalid_routing_header', param: 'x-failover-timeouts' });
}
