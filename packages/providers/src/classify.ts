/**
 * The one table that turns an upstream failure into a {@link FailureKind} (ARCHITECTURE.md §3).
 * Rules are checked top to bottom; the first match wins.
 * @see https://platform.openai.com/docs/guides/error-codes
 * @see https://docs.anthropic.com/en/api/errors
 * @module
 */
import type { FailureKind } from '@switchyard/core';
import type { Classification, FailureInfo } from './adapter.js';
import { TransportError } from './transport.js';

/** What the upstream error body said (OpenAI, Anthropic, Google `status`, Cohere/Mistral `message`). */
export interface UpstreamErrorDetail {
  /** OpenAI `error.code`. */
  code?: string;
  /** OpenAI / Anthropic `error.type`, or a Google `error.status` (`RESOURCE_EXHAUSTED`). */
  type?: string;
  message?: string;
}

interface Rule {
  /** Status the rule applies to; undefined = any status (including in-stream errors without one). */
  status?: number | ((status: number) => boolean);
  code?: string | RegExp;
  type?: string | RegExp;
  message?: RegExp;
  kind: FailureKind;
  /** Why, for the README and for reviewers. */
  note: string;
}

const MODEL_UNAVAILABLE = /\bmodel\b.*\b(not (found|available|loaded|supported)|does not exist|unavailable|is currently (loading|unavailable))/i;

/**
 * The classification table. Exported so docs and tests can enumerate it.
 * `insufficient_quota` (OpenAI 429) is mapped to `auth`: the provider account is out of credit,
 * which no retry or wait fixes, and it is not the client's fault (a 502, like a revoked key).
 */
export const CLASSIFICATION_RULES: readonly Readonly<Rule>[] = [
  { code: 'context_length_exceeded', kind: 'context_length', note: 'OpenAI: prompt + max_tokens exceed the window' },
  {
    type: 'invalid_request_error',
    message: /prompt is too long|maximum context length|context window|too many tokens/i,
    kind: 'context_length',
    note: 'Anthropic "prompt is too long"; servers without an error code',
  },
  {
    status: 400,
    message: /input token count \(\d+\) exceeds the maximum|too many tokens: total number of tokens/i,
    kind: 'context_length',
    note: 'Gemini / Vertex INVALID_ARGUMENT, Cohere "too many tokens"',
  },
  { code: /^(content_policy_violation|content_filter)$/, kind: 'content_policy', note: 'OpenAI / Azure content filter' },
  { type: /^(content_policy_violation|content_filter)$/, kind: 'content_policy', note: 'same, given as a type' },
  { message: /content (filtering )?policy|output blocked by content filtering/i, kind: 'content_policy', note: 'Anthropic refusal error messages' },
  { code: 'insufficient_quota', kind: 'auth', note: 'OpenAI billing quota exhausted: not retryable (see module doc)' },
  { status: 402, kind: 'auth', note: 'Cohere payment required (billing): not retryable, like insufficient_quota' },
  { status: 400, message: /API key not valid|API_KEY_INVALID/, kind: 'auth', note: 'Gemini answers a bad key with 400 INVALID_ARGUMENT' },
  { status: 529, kind: 'overloaded', note: 'Anthropic overloaded' },
  { type: /^(overloaded_error|UNAVAILABLE)$/, kind: 'overloaded', note: 'Anthropic overloaded (also in-stream); Google UNAVAILABLE in a stream' },
  { status: 404, code: 'model_not_found', kind: 'model_unavailable', note: 'OpenAI unknown / retired model' },
  { status: 404, message: /\bmodel\b/i, kind: 'model_unavailable', note: 'Anthropic not_found_error naming the model' },
  { status: 404, code: 'DeploymentNotFound', kind: 'model_unavailable', note: 'Azure OpenAI: no such deployment' },
  { status: 404, message: /\bmodels\/\S+ is not found/i, kind: 'model_unavailable', note: 'Gemini / Vertex NOT_FOUND naming models/…' },
  { status: (s) => s === 503 || s === 400, message: MODEL_UNAVAILABLE, kind: 'model_unavailable', note: 'model not loaded / unavailable' },
  { status: 503, kind: 'overloaded', note: 'service unavailable' },
  { status: 429, kind: 'rate_limited', note: 'rate limit' },
  {
    type: /^(rate_limit_error|rate_limit_exceeded|requests|tokens|RESOURCE_EXHAUSTED)$/,
    kind: 'rate_limited',
    note: 'rate limit signalled in a stream (Google: RESOURCE_EXHAUSTED)',
  },
  { status: (s) => s === 504 || s === 408, kind: 'timeout', note: 'gateway / request timeout' },
  { type: /^(timeout_error|DEADLINE_EXCEEDED)$/, kind: 'timeout', note: 'Anthropic timeout_error; Google DEADLINE_EXCEEDED' },
  { status: (s) => s === 401 || s === 403, kind: 'auth', note: 'key refused or lacks permission' },
  { type: /^(authentication_error|permission_error|UNAUTHENTICATED|PERMISSION_DENIED)$/, kind: 'auth', note: 'Anthropic / Google auth errors' },
  { status: (s) => s >= 500, kind: 'server_error', note: '500, 502 and any other 5xx' },
  { type: /^(api_error|server_error|INTERNAL|UNKNOWN)$/, kind: 'server_error', note: 'in-stream server errors (Google: INTERNAL)' },
  { status: (s) => s >= 400 && s < 500, kind: 'bad_request', note: 'any other 4xx' },
];

/** Options of {@link classifyFailure}. */
export interface ClassifyOptions {
  /** Secrets to scrub from the message (the configured api key). Defaults to none. */
  secrets?: readonly (string | undefined)[];
  /** Clock for HTTP-date `retry-after`. Defaults to Date.now. */
  now?: () => number;
  /** Longest provider message kept. Defaults to 500. */
  maxMessageLength?: number;
}

/** A classification plus what the upstream said about retrying. */
export interface DetailedClassification extends Classification {
  /** `x-should-retry` when the upstream sent it. */
  shouldRetry?: boolean;
  /** Provider error code or type, for logs. */
  upstreamCode?: string;
}

/**
 * Classify a failed upstream call (HTTP status + error body, or a transport error).
 *
 * @example
 * classifyFailure({ status: 429, headers: { 'retry-after': '2' }, body: '{"error":{"message":"slow down"}}' })
 * // { kind: 'rate_limited', retryAfterMs: 2000, message: 'slow down' }
 */
export function classifyFailure(info: FailureInfo, options: ClassifyOptions = {}): DetailedClassification {
  if (info.status === undefined && info.error !== undefined && info.body === undefined) return classifyTransport(info.error);
  const detail = parseUpstreamError(info.body);
  const kind = matchRule(info.status, detail);
  const out: DetailedClassification = { kind, message: safeMessage(detail.message ?? fallbackMessage(info), options) };
  const retryAfterMs = parseRetryAfter(info.headers, options.now ?? Date.now);
  if (retryAfterMs !== undefined) out.retryAfterMs = retryAfterMs;
  const shouldRetry = info.headers?.['x-should-retry'];
  if (shouldRetry === 'true' || shouldRetry === 'false') out.shouldRetry = shouldRetry === 'true';
  const code = detail.code ?? detail.type;
  if (code) out.upstreamCode = code;
  return out;
}

function matchRule(status: number | undefined, detail: UpstreamErrorDetail): FailureKind {
  for (const rule of CLASSIFICATION_RULES) {
    if (rule.status !== undefined) {
      if (status === undefined) continue;
      if (typeof rule.status === 'number' ? rule.status !== status : !rule.status(status)) continue;
    }
    if (rule.code !== undefined && !test(rule.code, detail.code)) continue;
    if (rule.type !== undefined && !test(rule.type, detail.type)) continue;
    if (rule.message !== undefined && !(detail.message && rule.message.test(detail.message))) continue;
    return rule.kind;
  }
  return 'server_error';
}

function test(pattern: string | RegExp, value: string | undefined): boolean {
  if (value === undefined) return false;
  return typeof pattern === 'string' ? pattern === value : pattern.test(value);
}

function classifyTransport(error: unknown): DetailedClassification {
  if (error instanceof TransportError) {
    return { kind: error.kind === 'timeout' ? 'timeout' : 'network', message: error.message };
  }
  return { kind: 'network', message: 'upstream network error' };
}

/**
 * Read `{ error: { message, type, code } }` (OpenAI, Anthropic `{type:'error', error}`), or a
 * bare `{ error: 'text' }` / `{ message }` from compatible servers. Never throws.
 */
export function parseUpstreamError(body: string | undefined): UpstreamErrorDetail {
  if (!body) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const text = body.trim();
    return text ? { message: text } : {};
  }
  if (!parsed || typeof parsed !== 'object') return {};
  const root = parsed as Record<string, unknown>;
  const error = root.error;
  if (typeof error === 'string') return { message: error };
  const source = error && typeof error === 'object' ? (error as Record<string, unknown>) : root;
  const out: UpstreamErrorDetail = {};
  if (typeof source.message === 'string') out.message = source.message;
  if (typeof source.type === 'string' && source.type !== 'error') out.type = source.type;
  // Google APIs: { error: { code: 429, message, status: 'RESOURCE_EXHAUSTED' } }: the status names the kind.
  else if (typeof source.status === 'string') out.type = source.status;
  if (typeof source.code === 'string') out.code = source.code;
  else if (typeof source.code === 'number') out.code = String(source.code);
  return out;
}

/**
 * Milliseconds to wait, from `retry-after-ms`, then `retry-after` (seconds or an HTTP date).
 * @see https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
export function parseRetryAfter(headers: Record<string, string> | undefined, now: () => number = Date.now): number | undefined {
  if (!headers) return undefined;
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.round(Number(ms));
  const value = headers['retry-after']?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now());
}

const KEY_PATTERN = /\b(sk-(?:ant-)?[A-Za-z0-9_-]{6,}|(?:Bearer\s+)[A-Za-z0-9._~+/-]{8,}=*)/g;

/** Truncate and scrub credentials (the configured ones, and anything shaped like a key). */
export function safeMessage(message: string, options: Pick<ClassifyOptions, 'secrets' | 'maxMessageLength'> = {}): string {
  let out = message;
  for (const secret of options.secrets ?? []) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  out = out.replace(KEY_PATTERN, '[redacted]');
  const max = options.maxMessageLength ?? 500;
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

function fallbackMessage(info: FailureInfo): string {
  return info.status !== undefined ? `upstream returned HTTP ${info.status}` : 'upstream error';
}
