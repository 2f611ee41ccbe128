/**
 * Wire-level vocabulary shared by every Switchyard package.
 * @module
 */

/**
 * The API dialect a client speaks, decided by the route it called.
 * Errors, streams and bodies are always rendered in the client's format.
 */
export type ClientFormat = 'openai.chat' | 'openai.embeddings' | 'anthropic.messages' | 'anthropic.count_tokens';

/** The wire family of a format: which error body and stream framing it uses. */
export type WireFamily = 'openai' | 'anthropic';

/** @example familyOf('anthropic.count_tokens') // 'anthropic' */
export function familyOf(format: ClientFormat): WireFamily {
  return format.startsWith('anthropic.') ? 'anthropic' : 'openai';
}

/**
 * Why an upstream call failed, decided by one table per provider (ARCHITECTURE.md §3).
 * Failover decides retry / fail over / stop from this alone.
 */
export type FailureKind =
  'rate_limited' | 'overloaded' | 'server_error' | 'timeout' | 'network' | 'context_length' | 'content_policy' | 'auth' | 'model_unavailable' | 'bad_request';

/** Every failure kind, in a stable order (for metrics, config validation). */
export const FAILURE_KINDS: readonly FailureKind[] = [
  'rate_limited',
  'overloaded',
  'server_error',
  'timeout',
  'network',
  'context_length',
  'content_policy',
  'auth',
  'model_unavailable',
  'bad_request',
];

/** One (provider, upstream model) pair a request could be sent to. */
export interface Target {
  /** Configured provider name (not its type): `openai`, `azure-eu`, `local`. */
  provider: string;
  /** The model name the upstream expects. */
  model: string;
  /** Relative traffic share inside one priority level. */
  weight?: number;
  /** Lower is tried first. Defaults to 0. */
  priority?: number;
  /** Region the provider serves from, for residency rules. */
  region?: string;
  /** Use the key owner's own credential for this provider (BYOK). */
  byok?: boolean;
}

/** A target in an ordered plan, with the reason it is where it is. */
export interface PlannedTarget extends Target {
  reason: string;
}

/** The ordered list of targets the executor will try. */
export interface Plan {
  /** Strategy that produced the order (`priority`, `weighted`, `rules:fast`, …). */
  strategy: string;
  targets: PlannedTarget[];
}

/** One try against one target. */
export interface Attempt {
  target: Target;
  startedAt: number;
  /** When the first response byte (JSON) or first stream event arrived. */
  firstByteAt?: number;
  endedAt?: number;
  /**
   * `rejected`: the request failed before anything was sent upstream (it could not be built,
   * translated or serialised): the request's own fault, not a sample of the target.
   */
  outcome: 'pending' | 'success' | 'failure' | 'aborted' | 'rejected';
  failureKind?: FailureKind;
  /** Upstream HTTP status, when there was one. */
  status?: number;
  /** Provider's reason, safe to show a client (never a secret). */
  message?: string;
  retryAfterMs?: number;
  /**
   * Why this try was made besides walking the plan: `hedge`, raced against a slow first token;
   * `continuation`, finishing a stream that broke after its first byte; `consensus`, one of
   * several targets asked the same request in parallel (the answer chosen by agreement is the
   * last successful one).
   */
  role?: 'hedge' | 'continuation' | 'consensus';
  /**
   * A continuation: how many characters of answer text the client already had when the stream
   * was cut (this try carried on from there).
   */
  deliveredChars?: number;
  /** The try lost a hedge race and was cancelled (its outcome is `aborted`). */
  hedgeLost?: boolean;
  /**
   * Usage billed for this try on its own, when several tries of one request are all billed
   * (consensus): the request's cost is then the sum of every try's usage at its own target's price.
   */
  usage?: Usage;
}

/**
 * Normalised token usage. `inputTokens` excludes cached tokens, so the classes add up
 * and each is priced exactly once.
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  /** Tokens written to the prompt cache, whatever their lifetime. */
  cacheWriteTokens: number;
  /**
   * Part of `cacheWriteTokens` written to a one-hour cache (Anthropic's
   * `cache_creation.ephemeral_1h_input_tokens`), priced at its own rate; the rest are
   * five-minute writes. Defaults to 0.
   */
  cacheWrite1hTokens?: number;
  /** Part of `outputTokens` spent on reasoning (informational: already in outputTokens). */
  reasoningTokens: number;
  /** `provider`: reported by the upstream; `estimated`: counted by a tokenizer. */
  source: 'provider' | 'estimated';
}

/**
 * Lifetime totals of one API key: requests, tokens by class and spend. Usage accounting
 * keeps them; the keys admin API shows them.
 */
export interface KeyUsageTotals {
  requests: number;
  /** Uncached input, as in {@link Usage}. */
  inputTokens: number;
  cacheReadTokens: number;
  /** Every cache write, one-hour writes included. */
  cacheWriteTokens: number;
  /** Part of `cacheWriteTokens` written to a one-hour cache. */
  cacheWrite1hTokens: number;
  outputTokens: number;
  /** Sum of the known costs: a lower bound when `unpricedRequests` is not 0. */
  spendUsd: number;
  /** Requests whose cost is unknown (no price): they are not in `spendUsd`. */
  unpricedRequests: number;
}

/** A zeroed usage record. */
export function emptyUsage(source: Usage['source'] = 'provider'): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, source };
}

/** Cost of one request in USD, or null with the reason it is unknown. */
export type Cost = { usd: number; currency: 'USD'; breakdown?: Record<string, number> } | { usd: null; reason: string };

/** Per-key token budget and request-rate settings (read by rate-limit). */
export interface KeyLimits {
  /** Rolling one-hour budgets; each enabled when set. */
  totalTokensPerHour?: number;
  inputTokensPerHour?: number;
  outputTokensPerHour?: number;
  requestsPerMinute?: number;
  concurrentRequests?: number;
  /** How the token budgets admit a request (see {@link BudgetMode}); unset: the limiter's default. */
  budgetMode?: BudgetMode;
}

/**
 * How a token budget admits requests whose output is not known yet.
 * - `strict`: reserve the input estimate plus the full `max_tokens`; the budget is never
 *   overspent, but concurrent requests are refused while reservations hold room they may not use.
 * - `capped`: reserve the input estimate plus `max_tokens` capped to what the budget still holds;
 *   more requests run at once, and the budget may be overspent by what those requests produce
 *   beyond their capped reservation.
 * - `soft`: admit while the tokens used so far are under the limit, reserving nothing (what other
 *   gateways do); the overspend is bounded only by the requests admitted at once.
 */
export type BudgetMode = 'strict' | 'capped' | 'soft';

/** Every {@link BudgetMode}, strictest first. */
export const BUDGET_MODES: readonly BudgetMode[] = ['strict', 'capped', 'soft'];

/** Per-key routing configuration (read by strategy-selector). */
export interface RoutingConfig {
  /** An inactive configuration is kept but not enforced. */
  active: boolean;
  strategy: string;
  targets?: Target[];
  /** Strategy-specific settings (rules, cost ceilings, …). */
  [setting: string]: unknown;
}

/**
 * Who is calling, and what they may do. Written by auth-key (from a Switchyard key or from
 * the app's own auth); read by every later piece.
 */
export interface Principal {
  /** Stable id: the key id, or the app's user id. */
  id: string;
  /** Human name (key name, user name). Never a secret. */
  name: string;
  /** `key`: a Switchyard API key; `app`: the app's own auth. */
  kind: 'key' | 'app';
  /** Models this principal may request; undefined means all. */
  allowedModels?: string[];
  /** Providers this principal may reach; undefined means all. */
  allowedProviders?: string[];
  /** Whether the client may send routing headers (`X-Provider`, …). */
  allowRoutingHeaders?: boolean;
  /** MCP profiles (`/mcp/<profile>`) this principal may open; undefined means all. */
  allowedMcpProfiles?: string[];
  /** MCP tools it may list and call, as `<profile>/<exposed tool name>`; undefined means all. */
  allowedMcpTools?: string[];
  limits?: KeyLimits;
  routing?: RoutingConfig;
  metadata?: Record<string, unknown>;
}
