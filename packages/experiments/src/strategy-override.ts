/**
 * The per-request `strategy` override: a client whose key allows routing overrides sends
 * `{"strategy": {"type": "weighted", "providers": {…}, "optimization": "cost_quality_balance"}}`
 * in the request body; the field is taken out of the body (it never goes upstream) and orders
 * the targets strategy selection planned, never adding one.
 * @module
 */
import { GatewayError, type Exchange, type ExchangeMiddleware, type PlannedTarget, type Target } from '@switchyard/core';
import { REQUEST_NEEDS, requestNeeds, type RequestNeeds } from '@switchyard/model-mapping';
import { weightedOrder } from '@switchyard/strategy-selector';
import { categoriser } from './categories.js';
import { parseStrategyOverride, type OverrideProvider, type StrategyOverride } from './strategy-input.js';

/** Set on `exchange.locals` when the client's own strategy planned the request: later pieces (A/B tests, canaries, category routes) leave the plan alone. */
export const STRATEGY_OVERRIDE = Symbol.for('switchyard.experiments.strategyOverride');

/** Options of {@link strategyOverride}. */
export interface StrategyOverrideOptions {
  /** The configured provider names; any other name in an override is a 400. */
  providers: readonly string[];
  /**
   * Whether this request may override routing. Defaults to the key's routing permission
   * (`allowRoutingHeaders`, as for routing headers); requests without a principal (no auth) may.
   */
  allow?: (exchange: Exchange) => boolean;
  /** Estimated USD of a request of these token counts on a target, or null when unpriced (`max_cost`). Defaults to unpriced. */
  cost?: (provider: string, model: string, tokens: { inputTokens: number; outputTokens: number }) => number | null;
  /** Output tokens assumed for cost estimates when the request sets no maximum. Defaults to 256. */
  assumedOutputTokens?: number;
  /** The request's category (`quality_min`); undefined: the built-in rules decide. Defaults to the built-in rules. */
  categorise?: (exchange: Exchange) => Promise<string> | string | undefined;
  /** Measured mean quality (0..1) of a target for a category, undefined when unmeasured (`quality_min`). Defaults to unmeasured. */
  quality?: (category: string, provider: string, model: string) => number | undefined;
  /** Random source for the weighted draw. Defaults to Math.random. */
  random?: () => number;
}

/**
 * The override middleware: place it right after strategy selection.
 * @example pipeline.push(strategySelector(…), strategyOverride({ providers: ['openai', 'anthropic'], cost: catalog.cost }), …);
 */
export function strategyOverride(options: StrategyOverrideOptions): ExchangeMiddleware {
  const known = new Set(options.providers);
  const allow = options.allow ?? ((exchange: Exchange) => !exchange.principal || exchange.principal.allowRoutingHeaders === true);
  const assumedOutputTokens = options.assumedOutputTokens ?? 256;
  const random = options.random ?? Math.random;
  const rules = categoriser([]);
  return async function strategyOverride(exchange: Exchange, next: () => Promise<void>): Promise<void> {
    if (exchange.body.strategy === undefined) return next();
    const { strategy: raw, ...upstreamBody } = exchange.body;
    exchange.body = upstreamBody; // never sent upstream, whatever happens next
    if (!allow(exchange))
      throw new GatewayError('strategy: this key may not override routing', { status: 403, code: 'routing_headers_not_allowed', param: 'strategy' });
    const override = parseStrategyOverride(raw, (name) => known.has(name));
    const allowed = exchange.principal?.allowedProviders;
    for (const p of override.providers) {
      if (allowed && !allowed.includes(p.name)) {
        throw new GatewayError(`strategy.providers.${p.name}: provider not allowed for this key`, {
          status: 403,
          code: 'provider_not_allowed',
          param: `strategy.providers.${p.name}`,
        });
      }
    }
    // Always labelled (not only for quality_min): ratings of overridden requests then count for their category too.
    const category = (await options.categorise?.(exchange)) ?? rules(exchange.body);
    const needs = (exchange.locals.get(REQUEST_NEEDS) as RequestNeeds | undefined) ?? requestNeeds(exchange.format, exchange.body);
    const tokens = { inputTokens: needs.inputTokens, outputTokens: needs.maxOutputTokens || assumedOutputTokens };
    const targets = planOverride(override, exchange.plan?.targets ?? exchange.candidates ?? [], {
      cost: (t) => options.cost?.(t.provider, t.model, tokens) ?? null,
      quality: (t) => options.quality?.(category, t.provider, t.model),
      random,
    });
    const label = `override:${override.type}${override.optimization ? `+${override.optimization}` : ''}`;
    exchange.plan = { strategy: label, targets };
    exchange.responseHeaders['x-switchyard-strategy'] = label;
    exchange.locals.set(STRATEGY_OVERRIDE, override);
    await next();
  };
}

interface Live {
  cost(target: Target): number | null;
  quality(target: Target): number | undefined;
  random: () => number;
}

/**
 * Order `planned` (what strategy selection left for this request) by a checked override: only
 * the providers it names; `max_cost` drops a target whose estimate is above it (or unknown);
 * the type orders the rest (weighted draw, priority, or cheapest first); targets that meet their
 * `quality_min` go before those that do not (with `cost_quality_balance`: cheapest first among
 * them); `fallback_only` targets come last. 400 when nothing is left.
 * @example planOverride(parseStrategyOverride(body.strategy, known), exchange.plan.targets, live)
 */
export function planOverride(override: StrategyOverride, planned: readonly Target[], live: Live): PlannedTarget[] {
  const settings = new Map(override.providers.map((p) => [p.name, p]));
  type Entry = { target: Target; p: OverrideProvider; cost: number | null; meets: boolean; why: string[] };
  let entries: Entry[] = planned
    .filter((t) => settings.has(t.provider))
    .map((t) => {
      const p = settings.get(t.provider)!;
      const quality = p.qualityMin !== undefined ? live.quality(t) : undefined;
      const meets = p.qualityMin === undefined || (quality !== undefined && quality >= p.qualityMin);
      const why =
        p.qualityMin === undefined
          ? []
          : [quality === undefined ? `quality unmeasured (needs ${p.qualityMin})` : `quality ${quality.toFixed(2)} ${meets ? '>=' : '<'} ${p.qualityMin}`];
      return { target: { ...t, weight: p.weight, priority: p.priority }, p, cost: live.cost(t), meets, why };
    });
  if (entries.length === 0)
    throw new GatewayError('strategy.providers: none of these providers can serve this request', {
      status: 400,
      code: 'no_target_left',
      param: 'strategy.providers',
    });
  const priced = entries.filter((e) => e.p.maxCost === undefined || (e.cost !== null && e.cost <= e.p.maxCost));
  if (priced.length === 0) {
    const first = entries.find((e) => e.p.maxCost !== undefined)!;
    throw new GatewayError(`strategy.providers.${first.p.name}.max_cost: no provider can serve this request within its max_cost`, {
      status: 400,
      code: 'no_target_within_cost',
      param: `strategy.providers.${first.p.name}.max_cost`,
    });
  }
  entries = priced;
  const byCost = (a: Entry, b: Entry) => (a.cost ?? Infinity) - (b.cost ?? Infinity);
  const typed = (list: Entry[]): Entry[] => {
    if (override.type === 'weighted')
      return weightedOrder(
        list.map((e) => e.target),
        live.random,
      ).map((t) => list.find((e) => e.target === t)!);
    if (override.type === 'cost') return [...list].sort(byCost);
    return [...list].sort((a, b) => a.p.priority - b.p.priority);
  };
  const main = typed(entries.filter((e) => !e.p.fallbackOnly));
  // Stable sorts: the type's order breaks every tie.
  main.sort((a, b) => Number(b.meets) - Number(a.meets) || (override.optimization === 'cost_quality_balance' ? byCost(a, b) : 0));
  const fallback = typed(entries.filter((e) => e.p.fallbackOnly));
  const label = `override ${override.type}${override.optimization ? ` + ${override.optimization}` : ''}`;
  return [...main, ...fallback].map((e) => ({
    ...e.target,
    reason: [label, e.cost !== null ? `est. $${e.cost.toPrecision(3)}` : null, ...e.why, e.p.fallbackOnly ? 'fallback only' : null].filter(Boolean).join('; '),
  }));
}
