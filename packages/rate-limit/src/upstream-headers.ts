/** Response headers as a plain record (node, undici) or a fetch `Headers`. */
export type HeaderSource = Record<string, string | string[] | number | undefined> | { get(name: string): string | null };

/** What an upstream said about its remaining headroom. */
export interface UpstreamHeadroom {
  requests?: { remaining: number; resetAt: number };
  tokens?: { remaining: number; resetAt: number };
  /** From `retry-after` / `retry-after-ms`: nothing should be sent before this time. */
  blockedUntil?: number;
}

function reader(headers: HeaderSource): (name: string) => string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (name) => (headers as { get(n: string): string | null }).get(name) ?? undefined;
  }
  const lower = new Map<string, string>();
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
    if (v !== undefined) lower.set(k.toLowerCase(), Array.isArray(v) ? String(v[0]) : String(v));
  }
  return (name) => lower.get(name);
}

/**
 * Parse an OpenAI-style duration (`1s`, `6m0s`, `59.5ms`, `1h2m`) or plain seconds into ms.
 * @example parseDurationMs('6m0s') // 360000
 */
export function parseDurationMs(value: string): number | undefined {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let matched = '';
  for (const m of v.matchAll(re)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
    matched += m[0];
  }
  return matched.length === v.length && matched.length > 0 ? total : undefined;
}

function resetAt(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const d = parseDurationMs(value);
  if (d !== undefined) return now + d;
  const t = Date.parse(value); // Anthropic sends RFC 3339 instants
  return Number.isNaN(t) ? undefined : t;
}

function count(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * Read the headroom an upstream reported: OpenAI / Azure / Groq / Mistral-style
 * `x-ratelimit-remaining-{requests,tokens}` + `x-ratelimit-reset-*`, Anthropic's
 * `anthropic-ratelimit-*`, and `retry-after(-ms)`.
 *
 * @see https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers
 * @see https://docs.anthropic.com/en/api/rate-limits#response-headers
 * @example parseUpstreamHeadroom({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '2s' }, now)
 */
export function parseUpstreamHeadroom(headers: HeaderSource, now: number): UpstreamHeadroom {
  const get = reader(headers);
  const out: UpstreamHeadroom = {};
  const req = count(get('x-ratelimit-remaining-requests') ?? get('anthropic-ratelimit-requests-remaining'));
  if (req !== undefined) {
    const at = resetAt(get('x-ratelimit-reset-requests') ?? get('anthropic-ratelimit-requests-reset'), now) ?? now + 60_000;
    out.requests = { remaining: req, resetAt: at };
  }
  const tok = count(get('x-ratelimit-remaining-tokens') ?? get('anthropic-ratelimit-tokens-remaining'));
  if (tok !== undefined) {
    const at = resetAt(get('x-ratelimit-reset-tokens') ?? get('anthropic-ratelimit-tokens-reset'), now) ?? now + 60_000;
    out.tokens = { remaining: tok, resetAt: at };
  }
  const retryMs = count(get('retry-after-ms'));
  const retryAfter = get('retry-after');
  if (retryMs !== undefined) out.blockedUntil = now + retryMs;
  else if (retryAfter !== undefined) {
    const secs = count(retryAfter);
    const at = secs !== undefined ? now + secs * 1000 : Date.parse(retryAfter);
    if (!Number.isNaN(at)) out.blockedUntil = at;
  }
  return out;
}
