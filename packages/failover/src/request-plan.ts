import { GatewayError, type Exchange, type FailureKind, type Target } from '@switchyard/core';
import { conditionKinds } from './kind-policy.js';
import type { FailoverTimeouts, ResolvedOptions } from './options.js';
import { parseTimeoutsHeader } from './deadlines.js';

/** One target of this request's run, with what it takes to fail over to it. */
export interface RunTarget {
  target: Target;
  /** Failure kinds after which this target may be tried; undefined = any that may fail over. */
  conditions?: Set<FailureKind>;
  /** Per-target latency budget (`max_additional_latency_ms`). */
  maxLatencyMs?: number;
}

/** The targets and limits of one request. */
export interface RequestPlan {
  targets: RunTarget[];
  maxAttempts: number;
  retrySameTarget: boolean;
  /** The client's own deadlines (`X-Failover-Timeouts`): they only narrow the configured ones. */
  timeouts?: FailoverTimeouts;
}

/** The routing headers this piece reads (lower-cased). */
const FAILOVER_HEADERS = ['x-failover-config', 'x-provider-fallbacks', 'x-max-provider-retries', 'x-retry-on-provider-error'] as const;

/** `X-Failover-Config`: the client's per-request failover config. */
interface ClientFailoverConfig {
  primary_provider?: string;
  fallback_rules?: Array<{ provider?: string; trigger?: string[]; model_mapping?: Record<string, string>; max_additional_latency_ms?: number }>;
}

/**
 * Targets to try, in order: `exchange.plan`, else `exchange.candidates`, narrowed and reordered
 * by the client's routing headers when its key allows them (never widened: a client cannot add a
 * provider or a model the plan did not hold).
 */
export function requestPlan(exchange: Exchange, cfg: ResolvedOptions): RequestPlan {
  const base: Target[] = exchange.plan?.targets ?? exchange.candidates ?? [];
  if (base.length === 0) {
    throw new GatewayError(exchange.requestedModel ? `No provider serves model "${exchange.requestedModel}"` : 'No provider target for this request', {
      status: exchange.requestedModel ? 404 : 503,
      code: exchange.requestedModel ? 'model_not_found' : 'no_targets',
      param: exchange.requestedModel ? 'model' : undefined,
    });
  }
  let targets: RunTarget[] = base.map((target) => ({ target, conditions: targetConditions(target, cfg) }));
  let maxAttempts = cfg.enabled ? cfg.maxAttempts : 1;
  let retrySameTarget = cfg.enabled;
  let timeouts: FailoverTimeouts | undefined;
  if (!cfg.enabled) targets = targets.slice(0, 1);

  const allowed = cfg.allowClientRouting(exchange);
  if (!allowed && exchange.principal) {
    // A key holder without the permission is told so, as for every other routing header;
    // silently ignoring it would let the client believe its failover config applied.
    const sent = FAILOVER_HEADERS.find((h) => exchange.headers[h] !== undefined);
    if (sent) {
      const display = sent.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
      throw new GatewayError(`${display}: this key may not send routing headers`, { status: 403, code: 'routing_headers_not_allowed', param: display });
    }
  }
  if (cfg.enabled && allowed) {
    const h = exchange.headers;
    const fallbacks = h['x-provider-fallbacks'];
    if (fallbacks)
      targets = reorder(
        targets,
        fallbacks
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        'X-Provider-Fallbacks',
      );
    const retryOn = h['x-retry-on-provider-error']?.trim().toLowerCase();
    if (retryOn === 'false' || retryOn === '0') retrySameTarget = false;
    const maxRetries = h['x-max-provider-retries'];
    if (maxRetries !== undefined) {
      const n = Number(maxRetries);
      if (!Number.isInteger(n) || n < 0) throw badHeader('X-Max-Provider-Retries must be a non-negative integer', 'x-max-provider-retries');
      maxAttempts = Math.min(maxAttempts, n + 1); // narrows the budget, never widens it
    }
    const limits = h['x-failover-timeouts'];
    if (limits) timeouts = parseTimeoutsHeader(limits);
    const config = h['x-failover-config'];
    if (config) targets = applyClientConfig(targets, parseClientConfig(config), exchange);
  }
  return { targets, maxAttempts, retrySameTarget, ...(timeouts ? { timeouts } : {}) };
}

function targetConditions(target: Target, cfg: ResolvedOptions): Set<FailureKind> | undefined {
  const own = (target as Target & { conditions?: unknown; trigger?: unknown }).conditions ?? (target as { trigger?: unknown }).trigger;
  if (Array.isArray(own) && own.every((c) => typeof c === 'string')) return conditionKinds(own);
  return cfg.conditions.get(target.provider);
}

function reorder(targets: RunTarget[], providers: string[], header: string): RunTarget[] {
  const out: RunTarget[] = [];
  for (const provider of providers) for (const t of targets) if (t.target.provider === provider && !out.includes(t)) out.push(t);
  if (out.length === 0) throw badHeader(`None of the providers in ${header} can serve this request`, header.toLowerCase());
  return out;
}

function parseClientConfig(raw: string): ClientFailoverConfig {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw badHeader('X-Failover-Config is not valid JSON', 'x-failover-config');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw badHeader('X-Failover-Config must be a JSON object', 'x-failover-config');
  const cfg = value as ClientFailoverConfig;
  if (cfg.fallback_rules !== undefined && !Array.isArray(cfg.fallback_rules))
    throw badHeader('X-Failover-Config.fallback_rules must be an array', 'x-failover-config');
  return cfg;
}

/**
 * Apply `X-Failover-Config`: primary first, then each fallback rule's provider with its triggers,
 * model mapping (only onto a model the plan already holds for that provider) and latency budget.
 * The client's `circuit_breaker` block is ignored: breakers are shared server state.
 */
function applyClientConfig(targets: RunTarget[], cfg: ClientFailoverConfig, exchange: Exchange): RunTarget[] {
  const out: RunTarget[] = [];
  const take = (provider: string, model?: string) =>
    targets.find((t) => t.target.provider === provider && (model === undefined || t.target.model === model) && !out.includes(t));
  if (cfg.primary_provider) {
    const primary = take(cfg.primary_provider);
    if (primary) out.push(primary);
  }
  for (const rule of cfg.fallback_rules ?? []) {
    if (!rule || typeof rule.provider !== 'string') throw badHeader('X-Failover-Config.fallback_rules[].provider is required', 'x-failover-config');
    const mapped = rule.model_mapping?.[exchange.requestedModel];
    const found = (mapped !== undefined ? take(rule.provider, mapped) : undefined) ?? take(rule.provider);
    if (!found) continue;
    let conditions: Set<FailureKind> | undefined = found.conditions;
    try {
      if (Array.isArray(rule.trigger)) conditions = conditionKinds(rule.trigger);
    } catch (err) {
      throw badHeader(`X-Failover-Config: ${(err as Error).message}`, 'x-failover-config');
    }
    const latency = rule.max_additional_latency_ms;
    out.push({ target: found.target, conditions, ...(typeof latency === 'number' && latency > 0 ? { maxLatencyMs: latency } : {}) });
  }
  if (out.length === 0) throw badHeader('None of the providers in X-Failover-Config can serve this request', 'x-failover-config');
  return out;
}

function badHeader(message: string, param: string): GatewayError {
  return new GatewayError(message, { status: 400, code: 'invalid_routing_header', param });
}
