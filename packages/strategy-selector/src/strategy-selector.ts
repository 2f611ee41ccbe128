import { GatewayError, MemoryStore, type Exchange, type ExchangeMiddleware, type KeyValueStore } from '@switchyard/core';
import { CANDIDATE_SOURCE, REQUEST_NEEDS, requestNeeds, type Catalog, type RequestNeeds } from '@switchyard/model-mapping';
import { Planner } from './planner.js';
import { validateRoutingSettings } from './routing-settings.js';
import type { RoutingStats } from './stats.js';

/** Response header naming the strategy that produced the plan. */
export const STRATEGY_HEADER = 'x-switchyard-strategy';

/** Options of {@link strategySelector}. */
export interface StrategySelectorOptions {
  /**
   * Gateway default routing: the `ai_gateway.routing` section (`strategy`, `providers`,
   * `latency: { window, percentile, metric }`, `rules`, `default`, `max_cost_per_request`).
   * Applies when the key has no active routing. Defaults to priority order.
   */
  routing?: Record<string, unknown>;
  /** Catalog for prices (cost strategy and cost ceilings). Defaults to none: every price unknown. */
  catalog?: Catalog;
  /** Live latency and in-flight statistics (latency and least-busy). Defaults to none: nothing measured. */
  stats?: RoutingStats;
  /** Round-robin cursors and session affinity; pass a Redis store to share them across instances. Defaults to a MemoryStore. */
  store?: KeyValueStore;
  /** Random source in [0, 1). Defaults to Math.random. */
  random?: () => number;
  /** Clock in ms (rules on time). Defaults to Date.now. */
  now?: () => number;
  /**
   * Whether client routing headers are honoured: `key` when the principal allows them (or when no
   * auth piece set a principal), `always`, or `never` (ignored). Defaults to `key`.
   */
  routingHeaders?: 'key' | 'always' | 'never';
  /** How long `X-Session-Id` keeps a session on its target, in ms. Defaults to 3600000 (1 hour). */
  sessionTtlMs?: number;
  /** Output tokens assumed for cost estimates when the request sets no `max_tokens`. Defaults to 256. */
  assumedOutputTokens?: number;
  /** Prefix of store keys. Defaults to `sy:`. */
  keyPrefix?: string;
}

const SESSION_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

function resolveOptions(options: StrategySelectorOptions) {
  if (options === null || typeof options !== 'object') throw new TypeError('strategySelector: options must be an object');
  const sessionTtlMs = options.sessionTtlMs ?? 3_600_000;
  if (!(Number.isFinite(sessionTtlMs) && sessionTtlMs > 0)) throw new TypeError('strategySelector: sessionTtlMs must be > 0');
  const assumedOutputTokens = options.assumedOutputTokens ?? 256;
  if (!(Number.isInteger(assumedOutputTokens) && assumedOutputTokens >= 0))
    throw new TypeError('strategySelector: assumedOutputTokens must be an integer >= 0');
  const routingHeaders = options.routingHeaders ?? 'key';
  if (!['key', 'always', 'never'].includes(routingHeaders)) throw new TypeError('strategySelector: routingHeaders must be key, always or never');
  for (const f of ['random', 'now'] as const) {
    if (options[f] !== undefined && typeof options[f] !== 'function') throw new TypeError(`strategySelector: ${f} must be a function`);
  }
  const defaults = validateRoutingSettings(options.routing ?? {}, 'routing');
  if ((defaults.strategy === 'latency' || defaults.strategy === 'least-busy') && !options.stats) {
    throw new TypeError(`strategySelector: the ${defaults.strategy} strategy needs stats (a RoutingStats fed by the EventBus)`);
  }
  return {
    assumedOutputTokens,
    planner: new Planner({
      defaults,
      catalog: options.catalog,
      stats: options.stats,
      store: options.store ?? new MemoryStore(),
      random: options.random ?? Math.random,
      now: options.now ?? Date.now,
      routingHeaders,
      sessionTtlMs,
      keyPrefix: options.keyPrefix ?? 'sy:',
    }),
    sessionTtlMs,
  };
}

/**
 * Strategy selection: orders `exchange.candidates` into `exchange.plan` (each target with the
 * reason it is where it is) and sets the `x-switchyard-strategy` response header. Honours the
 * key's active routing configuration, the client routing headers the key allows (narrowing or
 * reordering only), and `X-Session-Id` affinity.
 *
 * @example
 * const stats = new RoutingStats(); stats.attach(events);
 * app.use(toKoa(strategySelector({ routing: cfg.ai_gateway.routing, catalog, stats })));
 */
export function strategySelector(options: StrategySelectorOptions = {}): ExchangeMiddleware {
  const resolved = resolveOptions(options);
  const { planner, assumedOutputTokens, sessionTtlMs } = resolved;

  return async function strategySelector(exchange: Exchange, next: () => Promise<void>): Promise<void> {
    const needs = (exchange.locals.get(REQUEST_NEEDS) as RequestNeeds | undefined) ?? requestNeeds(exchange.format, exchange.body);
    const rawSession = exchange.headers['x-session-id'];
    if (rawSession !== undefined && !SESSION_ID.test(rawSession)) {
      throw new GatewayError('X-Session-Id: must be 1-128 characters of letters, digits and ._:@-', {
        status: 400,
        code: 'invalid_routing_header',
        param: 'X-Session-Id',
      });
    }
    const metadata = exchange.body.metadata;
    const plan = await planner.plan({
      requestedModel: exchange.requestedModel,
      candidates: exchange.candidates,
      candidatesFromRouting: exchange.locals.get(CANDIDATE_SOURCE) === 'routing',
      principal: exchange.principal,
      headers: exchange.headers,
      metadata: metadata && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : undefined,
      inputTokens: needs.inputTokens,
      outputTokens: needs.maxOutputTokens || assumedOutputTokens,
      sessionId: rawSession,
    });
    exchange.plan = plan;
    exchange.responseHeaders[STRATEGY_HEADER] = plan.strategy;
    if (rawSession !== undefined) {
      const key = planner.affinityKey(exchange.principal, rawSession);
      exchange.onSettled(async (ex) => {
        // Pin the target that actually served: it changes only when the pinned one failed.
        const served = [...ex.attempts].reverse().find((a) => a.outcome === 'success');
        if (served) await planner.pin(key, { provider: served.target.provider, model: served.target.model }, sessionTtlMs);
      });
    }
    await next();
  };
}
