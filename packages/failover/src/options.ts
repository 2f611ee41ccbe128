import { checkNamedTargets, type NamedTargets } from './named-targets.js';
import {
  everyModel,
  FAILURE_KINDS,
  silentLogger,
  type EventBus,
  type Exchange,
  type FailureKind,
  type KeyValueStore,
  type Logger,
  type ModelLabel,
  type Target,
} from '@switchyard/core';
import { prefillStyle, type HttpTransport, type ProviderAdapter } from '@switchyard/providers';
import { conditionKinds, DEFAULT_KIND_POLICY, type KindPolicyTable, type KindRule } from './kind-policy.js';
import { sharedFlags, type SharedFlags } from './shared-state.js';
import type { BreakerSettings } from './target-policies.js';
import { resolveHedge, type HedgeOptions, type HedgeSettings } from './hedge.js';

/**
 * Deadlines of the executor, in ms; 0 disables one. A target that misses one is not asked
 * again in the same request: the next target is tried. The README explains the defaults.
 */
export interface FailoverTimeouts {
  /** TCP/TLS connect, per attempt. Defaults to 5000. */
  connectMs?: number;
  /**
   * Request sent to the response headers of a stream, per attempt (providers send them before
   * any thinking, so a silent upstream is caught here). Defaults to 10000.
   */
  firstByteMs?: number;
  /** Request sent to the first event of a stream; a slow first token fails over. Defaults to 20000. */
  firstTokenMs?: number;
  /** Request sent to the whole answer of a non-stream call (its headers come with it). Defaults to 120000. */
  responseMs?: number;
  /** Longest silence between two stream events (a stalled stream). Defaults to 30000. */
  idleMs?: number;
  /** Whole request, every attempt and the stream included: nothing hangs past it. Defaults to 600000. */
  totalMs?: number;
}

/** Per-attempt deadlines a provider or a model may override (the request's `totalMs` is not one). */
export type TargetTimeouts = Omit<FailoverTimeouts, 'totalMs'>;

/** Circuit breaker settings (one breaker per provider and model). */
export interface FailoverBreakerOptions {
  /** Consecutive failures that open the circuit (config `failure_threshold`). Defaults to 5. */
  consecutiveFailures?: number;
  /** Failure ratio (0..1) over the recent window that opens it. Defaults to 0.5. */
  failureRatio?: number;
  /** Calls in the window before the ratio counts. Defaults to 20. */
  minimumRequests?: number;
  /** Calls the ratio is computed over. Defaults to 50. */
  windowSize?: number;
  /** How long an open circuit stays open before a probe (config `timeout` / `recovery_timeout`). Defaults to 30000. */
  coolDownMs?: number;
  /** Successes after the probe before the circuit is trusted again (config `success_threshold`). Defaults to 1. */
  successThreshold?: number;
  /** Failure kinds that count against a target. Defaults to overloaded, server_error, network, timeout, model_unavailable. */
  countKinds?: FailureKind[];
}

/**
 * Continuing a stream that broke after its first byte on another target, by sending the
 * partial answer as an assistant prefill (off by default; see the README for what is and is
 * not guaranteed).
 */
export interface ContinuationOptions {
  /** Continuation where a target can continue (`supportsPrefill`); false turns it off. Defaults to true. */
  enabled?: boolean;
  /**
   * Whether a target continues an assistant prefill. Defaults to `prefillStyle(adapter)`:
   * Anthropic natively, OpenAI-compatible providers whose config declares `prefill:`.
   */
  supportsPrefill?: (target: Target, adapter: ProviderAdapter) => boolean;
  /** Failure kinds after the first byte that are continued. Defaults to network, timeout, overloaded, server_error. */
  kinds?: FailureKind[];
  /** Continuations per request (each may try several targets). Defaults to 1. */
  maxContinuations?: number;
  /**
   * Where no target can continue: ask again without a prefill and forward the rest only if the
   * new answer begins with exactly what the client already has ("regenerate and match"; useful
   * with deterministic sampling). Defaults to false.
   */
  regenerate?: boolean;
}

/** Options of {@link failover}. */
export interface FailoverOptions {
  /**
   * Targets failover names itself, for apps without model-mapping / strategy-selector: a list
   * (`[{ provider: 'openai', model: 'gpt-4o-mini' }, { provider: 'anthropic' }]`, tried in
   * order; without `model` the client's model is passed on) or a function of the exchange. Used
   * only when no earlier piece set `exchange.plan` or `exchange.candidates`. Defaults to none
   * (a request without targets is a 404 `model_not_found`).
   */
  targets?: NamedTargets;
  /** Provider adapters by configured provider name, or a lookup. Required. */
  adapters: ReadonlyMap<string, ProviderAdapter> | ((provider: string) => ProviderAdapter | undefined);
  /** HTTP transport passed to every adapter call. Required. */
  transport: HttpTransport;
  /** Bus for attempt, retry, failover, breaker and give-up events. Defaults to none. */
  events?: EventBus;
  /** Defaults to a silent logger. */
  logger?: Logger;
  /** Clock in ms. Defaults to Date.now. */
  now?: () => number;
  /** Wait before a retry; must reject when `signal` aborts. Defaults to a timer. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Uniform [0, 1) for backoff jitter. Defaults to Math.random. */
  random?: () => number;
  /** Per-failure-kind rules, merged over {@link DEFAULT_KIND_POLICY}. Defaults to that table. */
  kinds?: Partial<Record<FailureKind, Partial<KindRule>>>;
  /** Config `max_retries`: retries of the same target for every kind that may retry. Defaults to each kind's own `retries`. */
  maxRetries?: number;
  /** Config `retry_codes`: only these upstream statuses retry the same target (network = 502, timeout = 504). Defaults to no restriction. */
  retryCodes?: number[];
  /** Longest `Retry-After` / `retry-after-ms` worth waiting for; longer fails over. Defaults to 2000. */
  maxRetryAfterMs?: number;
  /** Exponential backoff between retries of one target (equal jitter). Defaults to { baseMs: 200, maxMs: 5000 }. */
  backoff?: { baseMs?: number; maxMs?: number };
  /** Total attempts per request across all targets (the retry budget). Defaults to 6. */
  maxAttempts?: number;
  /** Config `failover.enabled: false`: one attempt on the first target, nothing else. Defaults to true. */
  enabled?: boolean;
  /** Defaults to the values documented on {@link FailoverTimeouts}. */
  timeouts?: FailoverTimeouts;
  /**
   * Per-target deadlines over `timeouts` (a provider's or a model's own, e.g. a longer first
   * token for a reasoning model). Defaults to none.
   */
  targetTimeouts?: (target: Target) => TargetTimeouts | undefined;
  /** Defaults to the values documented on {@link FailoverBreakerOptions}. */
  breaker?: FailoverBreakerOptions;
  /**
   * Shares breaker openings and cool-downs across instances: a {@link KeyValueStore}, e.g.
   * `redisKeyValueStore(redis, { prefix: '' })` from `@switchyard/stores`. Defaults to none (per process).
   */
  store?: KeyValueStore;
  /** Key prefix in `store`. Defaults to "switchyard:failover:". */
  storePrefix?: string;
  /**
   * How long an opening or cool-down read from `store` is reused before `store` is asked again
   * (config `circuit_breaker.shared_refresh`): another instance's opening is seen at most this
   * late, and `store` is read at most once per target per period, not on every attempt.
   * Defaults to 500; 0 reads on every attempt.
   */
  storeRefreshMs?: number;
  /**
   * Fallback conditions per provider (config `fallbacks[].conditions`, `fallback.on_error` /
   * `on_rate_limit`): that provider is failed over to only after a failure of a listed kind.
   * Defaults to none (any kind that may fail over).
   */
  conditions?: Record<string, string[]>;
  /** BYOK credential for a target (auth-key supplies it). Defaults to none: the provider's configured key. */
  credential?: (exchange: Exchange, target: Target) => string | undefined | Promise<string | undefined>;
  /** Whether the client's routing headers are honoured. Defaults to `exchange.principal?.allowRoutingHeaders === true`. */
  allowClientRouting?: (exchange: Exchange) => boolean;
  /** Context window of a target, for context_length fail-over. Defaults to the target's `contextWindow` / `context_window` field. */
  contextWindow?: (target: Target) => number | undefined;
  /** Stream continuation with assistant prefill. Defaults to on, where a target can continue. */
  continuation?: ContinuationOptions;
  /** Hedged streams: the next target raced against a slow first token. Defaults to off. */
  hedge?: HedgeOptions;
  /**
   * Which circuit breaker a target uses: one per provider and label. Map models outside your
   * catalog to one bucket when a provider serves any name a client sends. Defaults to one
   * breaker per model.
   */
  modelLabel?: ModelLabel;
}

/** The resolved configuration. */
export interface ResolvedOptions {
  targets?: NamedTargets;
  adapter: (provider: string) => ProviderAdapter | undefined;
  transport: HttpTransport;
  events?: EventBus;
  logger: Logger;
  now: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  random: () => number;
  kinds: KindPolicyTable;
  retryCodes?: ReadonlySet<number>;
  maxRetryAfterMs: number;
  backoff: { baseMs: number; maxMs: number };
  maxAttempts: number;
  enabled: boolean;
  timeouts: Required<FailoverTimeouts>;
  targetTimeouts?: (target: Target) => TargetTimeouts | undefined;
  breaker: BreakerSettings;
  shared?: SharedFlags;
  conditions: Map<string, Set<FailureKind>>;
  credential?: FailoverOptions['credential'];
  allowClientRouting: (exchange: Exchange) => boolean;
  contextWindow: (target: Target) => number | undefined;
  continuation?: {
    supportsPrefill: (target: Target, adapter: ProviderAdapter) => boolean;
    kinds: ReadonlySet<FailureKind>;
    maxContinuations: number;
    regenerate: boolean;
  };
  hedge?: HedgeSettings;
}

const DEFAULT_CONTINUE_KINDS: FailureKind[] = ['network', 'timeout', 'overloaded', 'server_error'];
const DEFAULT_COUNT_KINDS: FailureKind[] = ['overloaded', 'server_error', 'network', 'timeout', 'model_unavailable'];

export function resolveOptions(options: FailoverOptions): ResolvedOptions {
  if (!options || typeof options !== 'object') throw new TypeError('failover: options are required');
  const { adapters } = options;
  let adapter: ResolvedOptions['adapter'];
  if (typeof adapters === 'function') adapter = adapters;
  else if (adapters && typeof (adapters as ReadonlyMap<string, ProviderAdapter>).get === 'function') adapter = (name) => adapters.get(name);
  else throw new TypeError('failover: `adapters` must be a Map of provider name to adapter, or a lookup function');
  if (!options.transport || typeof options.transport.request !== 'function') throw new TypeError('failover: `transport` (an HttpTransport) is required');

  const kinds = {} as KindPolicyTable;
  for (const kind of FAILURE_KINDS) {
    const override = options.kinds?.[kind];
    const base = DEFAULT_KIND_POLICY[kind];
    const rule: KindRule = { retries: override?.retries ?? base.retries, failover: override?.failover ?? base.failover };
    if (options.maxRetries !== undefined && base.retries > 0 && override?.retries === undefined) rule.retries = options.maxRetries;
    if (!Number.isInteger(rule.retries) || rule.retries < 0) throw new TypeError(`failover: kinds.${kind}.retries must be a non-negative integer`);
    kinds[kind] = rule;
  }
  for (const key of Object.keys(options.kinds ?? {})) {
    if (!FAILURE_KINDS.includes(key as FailureKind)) throw new TypeError(`failover: unknown failure kind "${key}" in kinds`);
  }
  nonNegative('maxRetries', options.maxRetries);
  const timeouts = { ...DEFAULT_TIMEOUTS, ...checkTimeouts('timeouts', options.timeouts) } as Required<FailoverTimeouts>;
  if (options.targetTimeouts !== undefined && typeof options.targetTimeouts !== 'function') throw new TypeError('failover: targetTimeouts must be a function');
  const b = options.breaker ?? {};
  const ratio = b.failureRatio ?? 0.5;
  if (!(ratio > 0 && ratio <= 1)) throw new TypeError('failover: breaker.failureRatio must be in (0, 1]');
  const breaker: BreakerSettings = {
    consecutiveFailures: positive('breaker.consecutiveFailures', b.consecutiveFailures) ?? 5,
    failureRatio: ratio,
    minimumRequests: positive('breaker.minimumRequests', b.minimumRequests) ?? 20,
    windowSize: positive('breaker.windowSize', b.windowSize) ?? 50,
    coolDownMs: positive('breaker.coolDownMs', b.coolDownMs) ?? 30_000,
    successThreshold: positive('breaker.successThreshold', b.successThreshold) ?? 1,
    countKinds: new Set(b.countKinds ?? DEFAULT_COUNT_KINDS),
    modelLabel: options.modelLabel ?? everyModel,
  };
  const conditions = new Map<string, Set<FailureKind>>();
  for (const [provider, list] of Object.entries(options.conditions ?? {})) conditions.set(provider, conditionKinds(list));
  for (const code of options.retryCodes ?? []) {
    if (!Number.isInteger(code) || code < 100 || code > 599) throw new TypeError(`failover: retryCodes has an invalid status ${code}`);
  }
  const cont = options.continuation;
  for (const kind of cont?.kinds ?? []) {
    if (!FAILURE_KINDS.includes(kind)) throw new TypeError(`failover: unknown failure kind "${kind}" in continuation.kinds`);
  }
  if (cont?.supportsPrefill !== undefined && typeof cont.supportsPrefill !== 'function')
    throw new TypeError('failover: continuation.supportsPrefill must be a function');
  const continuation =
    cont?.enabled !== false
      ? {
          supportsPrefill: cont?.supportsPrefill ?? ((_: Target, adapter: ProviderAdapter) => prefillStyle(adapter) !== undefined),
          kinds: new Set(cont?.kinds ?? DEFAULT_CONTINUE_KINDS),
          maxContinuations: positive('continuation.maxContinuations', cont?.maxContinuations) ?? 1,
          regenerate: cont?.regenerate === true,
        }
      : undefined;
  if (options.store && typeof (options.store as { get?: unknown }).get !== 'function')
    throw new TypeError('failover: `store` must be a KeyValueStore or a Redis client');
  return {
    targets: checkNamedTargets(options.targets),
    adapter,
    transport: options.transport,
    events: options.events,
    logger: options.logger ?? silentLogger,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
    kinds,
    retryCodes: options.retryCodes ? new Set(options.retryCodes) : undefined,
    maxRetryAfterMs: nonNegative('maxRetryAfterMs', options.maxRetryAfterMs) ?? 2_000,
    backoff: { baseMs: nonNegative('backoff.baseMs', options.backoff?.baseMs) ?? 200, maxMs: nonNegative('backoff.maxMs', options.backoff?.maxMs) ?? 5_000 },
    maxAttempts: positive('maxAttempts', options.maxAttempts) ?? 6,
    enabled: options.enabled ?? true,
    timeouts,
    targetTimeouts: options.targetTimeouts,
    breaker,
    shared: options.store
      ? sharedFlags(options.store, options.storePrefix ?? 'switchyard:failover:', {
          refreshMs: nonNegative('storeRefreshMs', options.storeRefreshMs),
          now: options.now,
        })
      : undefined,
    conditions,
    credential: options.credential,
    allowClientRouting: options.allowClientRouting ?? ((exchange) => exchange.principal?.allowRoutingHeaders === true),
    contextWindow: options.contextWindow ?? defaultContextWindow,
    continuation,
    hedge: resolveHedge(options.hedge),
  };
}

/** The deadlines when nothing overrides them (see {@link FailoverTimeouts}). */
export const DEFAULT_TIMEOUTS: Readonly<Required<FailoverTimeouts>> = Object.freeze({
  connectMs: 5_000,
  firstByteMs: 10_000,
  firstTokenMs: 20_000,
  responseMs: 120_000,
  idleMs: 30_000,
  totalMs: 600_000,
});

/** The set fields of a timeouts block, each checked (a non-negative number of ms). */
export function checkTimeouts<T extends FailoverTimeouts>(path: string, value: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, ms] of Object.entries(value ?? {})) {
    if (ms === undefined) continue;
    if (!(key in DEFAULT_TIMEOUTS)) throw new TypeError(`failover: unknown deadline ${path}.${key}`);
    (out as Record<string, number>)[key] = nonNegative(`${path}.${key}`, ms as number)!;
  }
  return out;
}

function defaultContextWindow(target: Target): number | undefined {
  const t = target as Target & { contextWindow?: unknown; context_window?: unknown };
  const v = t.contextWindow ?? t.context_window;
  return typeof v === 'number' ? v : undefined;
}

function nonNegative(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`failover: ${name} must be a non-negative number`);
  return value;
}

function positive(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`failover: ${name} must be a positive number`);
  return value;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
