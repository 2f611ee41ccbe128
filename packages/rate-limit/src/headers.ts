import type { CounterLimits, LimitName, UsageSnapshot, WindowSpec } from './store.js';

/** Policy names used in the RateLimit header fields and in 429 messages. */
export const POLICY_NAMES: Record<LimitName, string> = {
  totalTokens: 'total-tokens',
  inputTokens: 'input-tokens',
  outputTokens: 'output-tokens',
  requests: 'requests',
  concurrent: 'concurrency',
};

/** Everything the header builder needs about one decision. */
export interface HeaderInput {
  limits: CounterLimits;
  used: UsageSnapshot;
  /** What this request holds (counted as consumed on an allowed response). */
  ask: { inputTokens: number; outputTokens: number };
  admitted: boolean;
  now: number;
  tokenWindow: WindowSpec;
  requestWindow: WindowSpec;
}

/**
 * The IETF RateLimit header fields (structured-field lists, one item per enabled limit) and
 * OpenAI-style `x-ratelimit-*` remaining counters.
 *
 * - `RateLimit-Policy`: `"<name>";q=<quota>;w=<window s>` (+ `qu` for non-request units).
 * - `RateLimit`: `"<name>";r=<remaining>;t=<s until everything now counted has left the window>`.
 *
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/10/
 * @example rateLimitHeaders({ limits: { totalTokens: 1000 }, … })['ratelimit'] // '"total-tokens";r=400;t=3541'
 */
export function rateLimitHeaders(input: HeaderInput): Record<string, string> {
  const { limits, used, ask, admitted } = input;
  const held = (x: number) => (admitted ? x : 0);
  const consumed: Record<LimitName, number> = {
    totalTokens: used.inputTokens + used.outputTokens + held(ask.inputTokens + ask.outputTokens),
    inputTokens: used.inputTokens + held(ask.inputTokens),
    outputTokens: used.outputTokens + held(ask.outputTokens),
    requests: used.requests + held(1),
    concurrent: used.concurrent + held(1),
  };
  const policy: string[] = [];
  const state: string[] = [];
  const headers: Record<string, string> = {};
  for (const name of Object.keys(POLICY_NAMES) as LimitName[]) {
    const quota = limits[name];
    if (quota === undefined) continue;
    const label = POLICY_NAMES[name];
    const remaining = Math.max(0, quota - consumed[name]);
    if (name === 'concurrent') {
      policy.push(`"${label}";q=${quota};qu="concurrent-requests"`);
      state.push(`"${label}";r=${remaining}`);
    } else {
      const w = name === 'requests' ? input.requestWindow : input.tokenWindow;
      const unit = name === 'requests' ? '' : ';qu="tokens"';
      policy.push(`"${label}";q=${quota};w=${Math.round(w.windowMs / 1000)}${unit}`);
      state.push(`"${label}";r=${remaining};t=${consumed[name] > 0 ? resetSeconds(input.now, w) : 0}`);
    }
    headers[`x-ratelimit-limit-${label}`] = String(quota);
    headers[`x-ratelimit-remaining-${label}`] = String(remaining);
  }
  if (policy.length === 0) return {};
  headers['ratelimit-policy'] = policy.join(', ');
  headers['ratelimit'] = state.join(', ');
  return headers;
}

/** Seconds until the newest bucket (and so everything counted now) has left the window. */
function resetSeconds(now: number, w: WindowSpec): number {
  const n = w.windowMs / w.bucketMs;
  return Math.ceil(((Math.floor(now / w.bucketMs) + n + 1) * w.bucketMs - now) / 1000);
}

/** `Retry-After` in whole seconds, rounded up so a client that waits that long finds room. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
