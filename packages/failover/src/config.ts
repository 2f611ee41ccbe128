import { parseDuration, type Target } from '@switchyard/core';
import type { FailoverOptions, FailoverTimeouts, TargetTimeouts } from './options.js';
import type { HedgeOptions } from './hedge.js';

/** A `timeouts:` block as written in a config file: durations (`5s`, `250ms`, a number of ms). */
export interface TimeoutsConfig {
  connect?: string | number | null;
  first_byte?: string | number | null;
  first_token?: string | number | null;
  response?: string | number | null;
  idle?: string | number | null;
  total?: string | number | null;
}

/** The validated `routing.failover:` block. */
export interface FailoverConfig {
  enabled: boolean;
  max_retries: number | null;
  max_attempts: number | null;
  retry_codes: number[] | null;
  circuit_breaker: {
    failure_threshold?: number | null;
    success_threshold?: number | null;
    timeout?: string | number | null;
    shared_refresh?: string | number | null;
  };
  stream_continuation: boolean;
  timeouts: TimeoutsConfig;
  /** Per-model deadlines: keyed by `provider/model` or by the upstream model name. */
  model_timeouts: Record<string, TimeoutsConfig>;
  /** Hedge a stream whose first event is late: a duration, or a percentile such as `p95`; null: off. */
  hedge_after: string | number | null;
  /** Hedges as a share of all upstream requests per minute. */
  hedge_budget: number;
  /** Where no target can continue a broken stream: regenerate and forward the rest only if it matches. */
  regenerate_and_match: boolean;
}

const FIELDS: Array<[keyof TimeoutsConfig, keyof FailoverTimeouts]> = [
  ['connect', 'connectMs'],
  ['first_byte', 'firstByteMs'],
  ['first_token', 'firstTokenMs'],
  ['response', 'responseMs'],
  ['idle', 'idleMs'],
  ['total', 'totalMs'],
];

/**
 * Deadlines of a model the catalog marks as reasoning, where no config sets them: such models
 * think before their first token (OpenAI's o-series sends nothing until then), so the 20 s
 * first-token default would cut them. Their stream headers still come at once, so a silent
 * upstream is still caught by `first_byte`.
 */
export const REASONING_TIMEOUTS: Readonly<TargetTimeouts> = Object.freeze({ firstTokenMs: 180_000, responseMs: 600_000 });

function duration(path: string) {
  return (value: unknown) => {
    if (value === null || value === undefined) return;
    try {
      parseDuration(value);
    } catch (err) {
      throw new Error(`${path}: ${(err as Error).message}`, { cause: err });
    }
  };
}

function timeoutsBlock(path: string) {
  return (value: unknown) => {
    if (value === undefined || value === null) return;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${path}: must be a mapping of deadlines`);
    for (const [key, v] of Object.entries(value)) {
      if (!FIELDS.some(([name]) => name === key) || key === 'total')
        throw new Error(`${path}.${key}: unknown deadline (connect, first_byte, first_token, response, idle)`);
      duration(`${path}.${key}`)(v);
    }
  };
}

const deadline = (name: keyof TimeoutsConfig, doc: string, prefix: string) => ({
  doc,
  format: duration(`ai_gateway.routing.failover.timeouts.${name}`),
  default: null,
  nullable: true,
  env: `${prefix}_${name.toUpperCase()}_TIMEOUT`,
});

/**
 * The convict schema fragment of the `routing.failover:` block (snake_case as in the file; one
 * environment variable per scalar, `<prefix>_…`). Unset deadlines (null) keep the defaults
 * documented on {@link FailoverTimeouts}. Uses core's named formats (`object`, `switch`):
 * call core's `registerConfigFormats(convict)` once before loading, as the gateway does.
 *
 * @example convict({ failover: failoverConfigSchema('SWITCHYARD_FAILOVER') })
 */
export function failoverConfigSchema(prefix = 'SWITCHYARD_FAILOVER') {
  return {
    enabled: { doc: 'Retries and fallbacks; false: one attempt on the first target.', format: 'switch', default: true, env: `${prefix}_ENABLED` },
    max_retries: { doc: 'Retries of the same target (each kind that may retry).', format: 'nat', default: null, nullable: true, env: `${prefix}_MAX_RETRIES` },
    max_attempts: {
      doc: 'Attempts per request across all targets (default: the whole chain with its retries).',
      format: 'nat',
      default: null,
      nullable: true,
      env: `${prefix}_MAX_ATTEMPTS`,
    },
    retry_codes: { doc: 'Only these upstream statuses retry the same target.', format: Array, default: null, nullable: true },
    circuit_breaker: {
      failure_threshold: {
        doc: "Consecutive failures that open a target's breaker (default 5).",
        format: 'nat',
        default: null,
        nullable: true,
        env: `${prefix}_BREAKER_FAILURE_THRESHOLD`,
      },
      success_threshold: {
        doc: 'Successful probes that close a half-open breaker (default 1).',
        format: 'nat',
        default: null,
        nullable: true,
        env: `${prefix}_BREAKER_SUCCESS_THRESHOLD`,
      },
      timeout: {
        doc: 'How long an open breaker stays open before a probe (default 30s).',
        format: duration('ai_gateway.routing.failover.circuit_breaker.timeout'),
        default: null,
        nullable: true,
        env: `${prefix}_BREAKER_TIMEOUT`,
      },
      shared_refresh: {
        doc: "With shared state (Redis, or the primary of `--workers`): how long an opening or cool-down read from it is reused before it is read again, so another instance's opening is seen at most this late (default 500ms; 0: read on every attempt).",
        format: duration('ai_gateway.routing.failover.circuit_breaker.shared_refresh'),
        default: null,
        nullable: true,
        env: `${prefix}_BREAKER_SHARED_REFRESH`,
      },
    },
    stream_continuation: {
      doc: 'Continue a stream broken after its first byte on a target that takes an assistant prefill (Anthropic; OpenAI-compatible providers declaring `prefill:`).',
      format: 'switch',
      default: true,
      env: `${prefix}_STREAM_CONTINUATION`,
    },
    timeouts: {
      connect: deadline('connect', 'TCP/TLS connect, per attempt (default 5s).', prefix),
      first_byte: deadline('first_byte', 'Response headers of a stream, per attempt (default 10s).', prefix),
      first_token: deadline('first_token', 'First event of a stream, per attempt (default 20s; reasoning models 3m).', prefix),
      response: deadline('response', 'Whole answer of a non-stream call, per attempt (default 2m; reasoning models 10m).', prefix),
      idle: deadline('idle', 'Longest silence between two stream events (default 30s).', prefix),
      total: deadline('total', 'Whole request, every attempt included (default: server.request_timeout).', prefix),
    },
    regenerate_and_match: {
      doc: 'Where no target can continue a broken stream: ask again without a prefill and forward the rest only if the new answer begins with exactly what the client has.',
      format: 'switch',
      default: false,
      env: `${prefix}_REGENERATE_AND_MATCH`,
    },
    hedge_after: {
      doc: "Race the next target against a stream whose first event is late: a duration (2s) or a percentile of the target's observed first-token time (p95); null: off.",
      format: (value: unknown) => {
        if (value === null || (typeof value === 'string' && /^p\d{1,2}(\.\d+)?$/.test(value))) return;
        duration('ai_gateway.routing.failover.hedge_after')(value);
      },
      default: null,
      nullable: true,
      env: `${prefix}_HEDGE_AFTER`,
    },
    hedge_budget: {
      doc: 'Extra upstream requests hedging may add, as a share of all upstream requests over the last minute.',
      format: Number,
      default: 0.1,
      env: `${prefix}_HEDGE_BUDGET`,
    },
    // convict takes a nested mapping as one value only under a format named 'object' (the
    // gateway registers it); its shape is checked by checkFailoverConfig after loading.
    model_timeouts: { doc: "Deadlines per model (`provider/model` or model name) over the provider's and the global ones.", format: 'object', default: {} },
  } as const;
}

/** The validated `routing.fallback:` block: one provider tried last, and what sends requests there. */
export interface FallbackConfig {
  /** Empty: no fallback provider. */
  provider: string;
  on_error?: boolean;
  on_rate_limit?: boolean;
}

/**
 * The convict schema fragment of the `routing.fallback:` block (one environment variable per
 * scalar, `<prefix>_<KEY>`). Uses core's `switch` format.
 * @example convict({ fallback: fallbackConfigSchema('SWITCHYARD_FALLBACK') })
 */
export function fallbackConfigSchema(prefix = 'SWITCHYARD_FALLBACK') {
  return {
    provider: { doc: 'Provider tried after the others (empty: none).', format: String, default: '', env: `${prefix}_PROVIDER` },
    on_error: { doc: 'Fall back to it when the others fail.', format: 'switch', default: true, env: `${prefix}_ON_ERROR` },
    on_rate_limit: { doc: 'Fall back to it when the others are rate-limited.', format: 'switch', default: true, env: `${prefix}_ON_RATE_LIMIT` },
  } as const;
}

/**
 * Check the parts of a loaded `routing.failover:` block convict cannot (per-model deadlines);
 * throws an Error starting with the bad field's path.
 */
export function checkFailoverConfig(config: Pick<FailoverConfig, 'model_timeouts'>, path = 'ai_gateway.routing.failover'): void {
  for (const [model, block] of Object.entries(config.model_timeouts ?? {})) timeoutsBlock(`${path}.model_timeouts.${model}`)(block);
}

/**
 * Check a provider's own `timeouts:` block (`ai_gateway.providers[i].timeouts`); throws an
 * Error starting with `path`.
 */
export function checkProviderTimeouts(path: string, value: unknown): void {
  timeoutsBlock(path)(value);
}

/** A config `timeouts:` block in ms (unset fields left out). */
export function timeoutsFromConfig(block: TimeoutsConfig | undefined): FailoverTimeouts {
  const out: FailoverTimeouts = {};
  for (const [name, field] of FIELDS) {
    const v = block?.[name];
    if (v !== undefined && v !== null) out[field] = parseDuration(v);
  }
  return out;
}

/** What {@link failoverOptionsFromConfig} needs besides the block. */
export interface FailoverConfigContext {
  /** `ai_gateway.providers`: each may carry its own `timeouts:` block. */
  providers: ReadonlyArray<{ name: string; timeouts?: TimeoutsConfig }>;
  /** Whether a target is a reasoning model (its deadlines default to {@link REASONING_TIMEOUTS}). Defaults to never. */
  reasoning?: (target: Target) => boolean;
  /** The request deadline when `timeouts.total` is unset. Defaults to the executor's. */
  totalMs?: number;
}

/**
 * The block's deadlines as {@link failover} options: `timeouts` (global) and `targetTimeouts`
 * (a reasoning model's defaults, then its provider's block, then its model's block).
 *
 * @example failover({ adapters, transport, ...failoverTimeoutOptions(config.routing.failover, { providers }) })
 */
export function failoverTimeoutOptions(
  config: Pick<FailoverConfig, 'timeouts' | 'model_timeouts'>,
  context: FailoverConfigContext,
): Pick<FailoverOptions, 'timeouts' | 'targetTimeouts'> {
  const global = timeoutsFromConfig(config.timeouts);
  if (global.totalMs === undefined && context.totalMs !== undefined) global.totalMs = context.totalMs;
  const byProvider = new Map(context.providers.filter((p) => p.timeouts).map((p) => [p.name, timeoutsFromConfig(p.timeouts)]));
  const byModel = new Map(Object.entries(config.model_timeouts ?? {}).map(([k, v]) => [k, timeoutsFromConfig(v)]));
  // The reasoning lift replaces defaults only: a deadline the config sets globally stays.
  const lift: TargetTimeouts = {};
  for (const [key, ms] of Object.entries(REASONING_TIMEOUTS) as Array<[keyof TargetTimeouts, number]>) if (global[key] === undefined) lift[key] = ms;
  // Not cached: the catalog (reasoning) can change at run time; this is a few map lookups.
  // Called per attempt: no key string or array unless some deadline applies.
  const targetTimeouts = (target: Target): TargetTimeouts | undefined => {
    const parts: TargetTimeouts[] = [];
    if (context.reasoning?.(target)) parts.push(lift);
    const forProvider = byProvider.get(target.provider);
    if (forProvider) parts.push(forProvider);
    if (byModel.size > 0) {
      const forModel = byModel.get(target.model);
      if (forModel) parts.push(forModel);
      const forTarget = byModel.get(`${target.provider}/${target.model}`);
      if (forTarget) parts.push(forTarget);
    }
    if (parts.length === 0) return undefined;
    const merged = Object.assign({}, ...parts) as TargetTimeouts;
    delete (merged as FailoverTimeouts).totalMs;
    return merged;
  };
  return { timeouts: global, targetTimeouts };
}

/**
 * The block's hedging as {@link failover}'s `hedge` option (undefined: off).
 * @example failover({ …, hedge: failoverHedgeOption({ hedge_after: '2s', hedge_budget: 0.1 }) })
 */
export function failoverHedgeOption(config: Pick<FailoverConfig, 'hedge_after' | 'hedge_budget'>): HedgeOptions | undefined {
  const after = config.hedge_after;
  if (after === null || after === undefined || after === '') return undefined;
  const budget = Number(config.hedge_budget ?? 0.1);
  if (typeof after === 'string' && /^p\d/.test(after)) return { after: after as `p${number}`, budget };
  return { after: parseDuration(after), budget };
}
