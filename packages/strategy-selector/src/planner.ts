import {
  GatewayError,
  type HeaderMap,
  type KeyValueStore,
  type Plan,
  type PlannedTarget,
  type Principal,
  type RoutingConfig,
  type Target,
} from '@switchyard/core';
import { allowedBy, type Catalog } from '@switchyard/model-mapping';
import { costStrategy } from './cost.js';
import { latencyStrategy } from './latency.js';
import { leastBusyStrategy } from './least-busy.js';
import { priorityStrategy } from './priority.js';
import { roundRobinStrategy } from './round-robin.js';
import { headerError, parseRoutingHeaders, regionMatches, type RoutingDirectives } from './routing-headers.js';
import { evaluateRules, type RoutingRule } from './rules.js';
import type { LatencyMetric, RoutingStats } from './stats.js';
import { normalizeStrategy, planned, targetKey, type StrategyName } from './strategy.js';
import { validateRoutingSettings, type RoutingSettings } from './routing-settings.js';
import { weightedStrategy } from './weighted.js';

/** Everything the planner needs to know about one request. */
export interface PlanInput {
  requestedModel: string;
  /** Candidates from model-mapping; undefined when model-mapping is not mounted. */
  candidates?: Target[];
  /** True when the candidates already are the key's routing targets. */
  candidatesFromRouting?: boolean;
  principal?: Principal;
  headers: HeaderMap;
  /** Request body `metadata`, for rules. */
  metadata?: Record<string, unknown>;
  /** Estimated prompt tokens and expected output tokens. */
  inputTokens: number;
  outputTokens: number;
  /** `X-Session-Id`, already validated. */
  sessionId?: string;
}

/** Resolved planner settings (see StrategySelectorOptions). */
export interface PlannerConfig {
  defaults: RoutingSettings;
  catalog?: Catalog;
  stats?: RoutingStats;
  store: KeyValueStore;
  random: () => number;
  now: () => number;
  routingHeaders: 'key' | 'always' | 'never';
  sessionTtlMs: number;
  keyPrefix: string;
}

const RR_TTL_MS = 24 * 3_600_000;

/** FNV-1a, to keep store keys short and stable for one candidate set. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

/**
 * Orders candidates into a {@link Plan}: effective routing settings (the key's when active, else
 * the gateway default), client routing headers (narrowing and reordering only), rules, the
 * strategy, and session affinity. Every planned target carries the reason it is where it is.
 */
export class Planner {
  readonly #c: PlannerConfig;
  readonly #validated = new WeakMap<RoutingConfig, RoutingSettings>();

  constructor(config: PlannerConfig) {
    this.#c = config;
  }

  /** Store key of a session's pinned target. */
  affinityKey(principal: Principal | undefined, sessionId: string): string {
    return `${this.#c.keyPrefix}aff:${principal?.id ?? '-'}:${sessionId}`;
  }

  /** Pin a session to the target that served it. */
  async pin(key: string, target: { provider: string; model: string }, ttlMs = this.#c.sessionTtlMs): Promise<void> {
    await this.#c.store.set(key, target, ttlMs);
  }

  async plan(input: PlanInput): Promise<Plan> {
    const principal = input.principal;
    const keyRouting = principal?.routing?.active ? this.#settings(principal.routing) : undefined;
    const settings = keyRouting ?? this.#c.defaults;
    const directives = this.#directives(input);
    let candidates = this.#candidates(input, keyRouting);
    const forbidden = (provider: string) =>
      !allowedBy(principal?.allowedProviders, provider) || (keyRouting?.targets !== undefined && !keyRouting.targets.some((t) => t.provider === provider));
    candidates = this.#narrow(candidates, directives, forbidden, input.requestedModel);

    let strategy: StrategyName = directives.strategy ?? settings.strategy ?? this.#c.defaults.strategy ?? 'priority';
    let label: string = strategy;
    if (strategy === 'rules') {
      const decision = evaluateRules(
        settings.rules ?? [],
        this.#facts(input),
        (ts) => this.#ruleTargets(ts, candidates, forbidden, input).length > 0,
        settings.default,
      );
      label = `rules:${decision?.rule ?? 'none'}`;
      if (decision?.targets) candidates = this.#ruleTargets(decision.targets, candidates, forbidden, input);
      strategy = normalizeStrategy(decision?.strategy) ?? 'priority';
      if (strategy === 'rules') strategy = 'priority';
    }

    const maxCost = minDefined(settings.maxCostPerRequest, directives.maxCostUsd);
    const costOf = (t: Target) => this.#c.catalog?.cost(t.provider, t.model, { inputTokens: input.inputTokens, outputTokens: input.outputTokens }) ?? null;
    if (maxCost !== undefined) {
      candidates = candidates.filter((t) => {
        const usd = costOf(t);
        return usd !== null && usd <= maxCost;
      });
      if (candidates.length === 0) {
        throw directives.maxCostUsd !== undefined
          ? headerError('x-max-cost-per-request', `no target can serve this request for at most $${maxCost}`, 400, 'no_target_within_cost')
          : new GatewayError(`No target can serve this request within the cost ceiling of $${maxCost}`, { status: 400, code: 'no_target_within_cost' });
      }
    }
    const latency = settings.latency ?? this.#c.defaults.latency ?? { percentile: 95, windowMs: 300_000, metric: 'latency' as LatencyMetric };
    const latencyOf = (t: Target) => this.#c.stats?.percentile(t, latency.percentile, latency.metric, latency.windowMs);
    if (directives.maxLatencyMs !== undefined) {
      const max = directives.maxLatencyMs;
      candidates = candidates.filter((t) => (latencyOf(t) ?? 0) <= max);
      if (candidates.length === 0) throw headerError('x-max-latency-ms', `every target measured slower than ${max} ms`, 400, 'no_target_within_latency');
    }

    let targets = await this.#order(strategy, candidates, { costOf, latencyOf, latency });
    targets = reorder(targets, directives);
    if (input.sessionId) targets = await this.#affinity(targets, this.affinityKey(principal, input.sessionId));
    return { strategy: label, targets };
  }

  #settings(routing: RoutingConfig): RoutingSettings {
    let s = this.#validated.get(routing);
    if (!s) {
      try {
        s = validateRoutingSettings(routing, 'routing');
      } catch (err) {
        // A stored config that no longer validates is an operator error, not the client's.
        throw new GatewayError(`The key's routing configuration is invalid: ${(err as Error).message}`, {
          status: 500,
          code: 'invalid_routing_config',
          expose: false,
        });
      }
      this.#validated.set(routing, s);
    }
    return s;
  }

  #directives(input: PlanInput): RoutingDirectives {
    const mode = this.#c.routingHeaders;
    if (mode === 'never') return { present: [] };
    const directives = parseRoutingHeaders(input.headers);
    if (directives.present.length > 0 && mode === 'key' && input.principal && input.principal.allowRoutingHeaders !== true) {
      throw headerError(directives.present[0]!, 'this key may not send routing headers', 403, 'routing_headers_not_allowed');
    }
    return directives;
  }

  #candidates(input: PlanInput, keyRouting: RoutingSettings | undefined): Target[] {
    if (keyRouting?.targets && keyRouting.targets.length > 0 && !input.candidatesFromRouting) {
      return keyRouting.targets.map((t) => ({ ...t, model: t.model && t.model !== '*' ? t.model : input.requestedModel }));
    }
    if (input.candidates) return input.candidates;
    const fallback = this.#c.defaults.providers ?? [];
    if (fallback.length === 0) throw new GatewayError('No target is configured for this request', { status: 503, code: 'no_targets' });
    return fallback.map((p) => ({ provider: p.name, model: input.requestedModel, priority: p.priority, weight: p.weight }));
  }

  #narrow(candidates: Target[], d: RoutingDirectives, forbidden: (p: string) => boolean, model: string): Target[] {
    const check = (header: string, names: string[] | undefined) => {
      for (const name of names ?? [])
        if (forbidden(name)) throw headerError(header, `provider "${name}" is not allowed for this key`, 403, 'provider_not_allowed');
    };
    check('x-provider', d.provider ? [d.provider] : undefined);
    check('x-provider-preference', d.preference);
    check('x-provider-fallbacks', d.fallbacks);
    check('x-include-providers', d.include);
    check('x-provider-weights', d.weights ? Object.keys(d.weights) : undefined);
    let out = candidates;
    const narrow = (header: string, keep: (t: Target) => boolean, why: string) => {
      out = out.filter(keep);
      if (out.length === 0) throw headerError(header, why, 400, 'no_target_left');
    };
    if (d.provider) narrow('x-provider', (t) => t.provider === d.provider, `provider "${d.provider}" cannot serve "${model}" here`);
    if (d.include) narrow('x-include-providers', (t) => d.include!.includes(t.provider), `none of these providers can serve "${model}" here`);
    if (d.exclude) narrow('x-exclude-providers', (t) => !d.exclude!.includes(t.provider), `excludes every provider that can serve "${model}"`);
    if (d.regions) {
      const header = d.present.includes('x-data-residency') ? 'x-data-residency' : 'x-provider-regions';
      narrow(header, (t) => d.regions!.some((r) => regionMatches(t.region, r)), `no provider serving "${model}" is in ${d.regions.join(', ')}`);
    }
    if (d.weights) out = out.map((t) => (d.weights![t.provider] !== undefined ? { ...t, weight: d.weights![t.provider] } : t));
    return out;
  }

  #ruleTargets(list: Array<string | Target>, candidates: Target[], forbidden: (p: string) => boolean, input: PlanInput): Target[] {
    const out: Target[] = [];
    list.forEach((entry, index) => {
      if (typeof entry === 'string') {
        for (const t of candidates) if (t.provider === entry) out.push({ ...t, priority: index });
        return;
      }
      if (forbidden(entry.provider)) return;
      const model = entry.model && entry.model !== '*' ? entry.model : undefined;
      const known = candidates.filter((t) => t.provider === entry.provider && (model === undefined || t.model === model));
      if (known.length > 0) for (const t of known) out.push({ ...t, ...entry, model: t.model, priority: index });
      else out.push({ ...entry, model: model ?? input.requestedModel, priority: index });
    });
    return out;
  }

  #facts(input: PlanInput) {
    const p = input.principal;
    return {
      model: input.requestedModel,
      headers: input.headers,
      metadata: input.metadata,
      key: p ? { id: p.id, name: p.name, metadata: p.metadata } : undefined,
      tokens: input.inputTokens,
      now: this.#c.now(),
    };
  }

  async #order(
    strategy: StrategyName,
    candidates: Target[],
    live: {
      costOf: (t: Target) => number | null;
      latencyOf: (t: Target) => number | undefined;
      latency: { percentile: number; windowMs: number; metric: LatencyMetric };
    },
  ): Promise<PlannedTarget[]> {
    switch (strategy) {
      case 'weighted':
        return weightedStrategy(candidates, { random: this.#c.random });
      case 'round-robin': {
        if (candidates.length <= 1) return priorityStrategy(candidates, { random: this.#c.random });
        const scope = hash(candidates.map(targetKey).join('|'));
        const cursor = (await this.#c.store.increment(`${this.#c.keyPrefix}rr:${scope}`, 1, RR_TTL_MS)) - 1;
        return roundRobinStrategy(candidates, { cursor });
      }
      case 'cost':
        return costStrategy(candidates, { costOf: live.costOf });
      case 'latency': {
        const { percentile, metric, windowMs } = live.latency;
        const label = `p${percentile} ${metric === 'ttft' ? 'time to first token' : 'latency'} over ${Math.round(windowMs / 1000)}s`;
        return latencyStrategy(candidates, { latencyOf: live.latencyOf, label });
      }
      case 'least-busy':
        return leastBusyStrategy(candidates, { inFlightOf: (t) => this.#c.stats?.inFlight(t) ?? 0 });
      default:
        return priorityStrategy(candidates, { random: this.#c.random });
    }
  }

  async #affinity(targets: PlannedTarget[], key: string): Promise<PlannedTarget[]> {
    const pinned = await this.#c.store.get<{ provider: string; model: string }>(key);
    if (!pinned) return targets;
    const index = targets.findIndex((t) => t.provider === pinned.provider && t.model === pinned.model);
    if (index < 0) return targets;
    const [hit] = targets.splice(index, 1);
    return [planned(hit!, `session affinity (was: ${hit!.reason})`), ...targets];
  }
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

/** Apply the reordering headers: user region, then preference, then an explicit fallback chain. */
function reorder(targets: PlannedTarget[], d: RoutingDirectives): PlannedTarget[] {
  let out = targets;
  if (d.userRegion) {
    const near = out.filter((t) => regionMatches(t.region, d.userRegion!));
    if (near.length > 0) out = [...near.map((t) => planned(t, `${t.reason}; near X-User-Region`)), ...out.filter((t) => !near.includes(t))];
  }
  if (d.preference) {
    const preferred = d.preference.flatMap((p) => out.filter((t) => t.provider === p));
    out = [...preferred.map((t) => planned(t, `${t.reason}; preferred by X-Provider-Preference`)), ...out.filter((t) => !preferred.includes(t))];
  }
  if (d.fallbacks && out.length > 0) {
    const [primary, ...rest] = out;
    const chain = d.fallbacks.flatMap((p) => rest.filter((t) => t.provider === p));
    out = [primary!, ...chain.map((t) => planned(t, `fallback from X-Provider-Fallbacks`))];
  }
  return out;
}

export type { RoutingRule };
