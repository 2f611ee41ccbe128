/**
 * The request-body `strategy` object a client may send to route one request its own way,
 * checked strictly: every error is a 400 naming the path of the bad field.
 * @module
 */
import { GatewayError } from '@switchyard/core';

/** How the listed providers are ordered before constraints and the optimisation apply. */
export type OverrideType = 'weighted' | 'priority' | 'cost';

/** One provider of a per-request strategy. */
export interface OverrideProvider {
  name: string;
  /** Relative share of first picks (`weighted`). Defaults to 1. */
  weight: number;
  /** Lower goes first (`priority`); ties keep the order the client listed. Defaults to the listed position. */
  priority: number;
  /** Highest estimated cost of this request on this provider, USD; above it (or unpriced) the provider is not used. */
  maxCost?: number;
  /** Lowest measured quality (0..1) for the request's category; below it (or unmeasured) the provider goes after those that meet theirs. */
  qualityMin?: number;
  /** Only after every other provider. */
  fallbackOnly: boolean;
}

/** A checked per-request strategy. */
export interface StrategyOverride {
  type: OverrideType;
  providers: OverrideProvider[];
  /** `cost_quality_balance`: cheapest provider that meets its `quality_min` first. Defaults to none. */
  optimization?: 'cost_quality_balance';
}

/** At most this many providers in one override (the gateway's own list is shorter in practice). */
export const MAX_OVERRIDE_PROVIDERS = 32;

const TYPES: readonly OverrideType[] = ['weighted', 'priority', 'cost'];
const OPTIMIZATIONS = ['cost_quality_balance', 'none'] as const;
const TOP_FIELDS = new Set(['type', 'providers', 'optimization']);
const PROVIDER_FIELDS = new Set(['weight', 'priority', 'max_cost', 'quality_min', 'fallback_only']);

function invalid(message: string, path: string): GatewayError {
  return new GatewayError(`${path}: ${message}`, { status: 400, code: 'invalid_strategy', param: path });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A name safe to echo in an error (bounded, printable). */
const shown = (name: string) => JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);

/**
 * Check a client's `strategy` object. `known(name)` says whether a provider is configured
 * (an unknown name is a 400, never silently dropped).
 * @example parseStrategyOverride({ type: 'weighted', providers: { openai: { weight: 60 } } }, (p) => p === 'openai')
 */
export function parseStrategyOverride(value: unknown, known: (provider: string) => boolean): StrategyOverride {
  if (!isRecord(value)) throw invalid('must be an object', 'strategy');
  for (const field of Object.keys(value))
    if (!TOP_FIELDS.has(field)) throw invalid(`unknown field ${shown(field)} (expected type, providers, optimization)`, `strategy.${field.slice(0, 64)}`);
  const type = value.type ?? 'priority';
  if (typeof type !== 'string' || !TYPES.includes(type as OverrideType)) throw invalid(`must be one of ${TYPES.join(', ')}`, 'strategy.type');
  const optimization = value.optimization ?? 'none';
  if (typeof optimization !== 'string' || !(OPTIMIZATIONS as readonly string[]).includes(optimization))
    throw invalid(`must be one of ${OPTIMIZATIONS.join(', ')}`, 'strategy.optimization');
  if (!isRecord(value.providers)) throw invalid('must be an object of provider name -> settings', 'strategy.providers');
  const entries = Object.entries(value.providers);
  if (entries.length === 0) throw invalid('must name at least one provider', 'strategy.providers');
  if (entries.length > MAX_OVERRIDE_PROVIDERS) throw invalid(`at most ${MAX_OVERRIDE_PROVIDERS} providers`, 'strategy.providers');
  const providers = entries.map(([name, settings], index): OverrideProvider => {
    const path = `strategy.providers.${name.slice(0, 64)}`;
    if (!known(name)) throw invalid(`unknown provider ${shown(name)}`, path);
    if (!isRecord(settings)) throw invalid('must be an object', path);
    for (const field of Object.keys(settings)) {
      if (!PROVIDER_FIELDS.has(field))
        throw invalid(`unknown field ${shown(field)} (expected ${[...PROVIDER_FIELDS].join(', ')})`, `${path}.${field.slice(0, 64)}`);
    }
    const number = (field: string, ok: (n: number) => boolean, what: string): number | undefined => {
      const v = settings[field];
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw invalid(`must be ${what}`, `${path}.${field}`);
      return v;
    };
    const weight = number('weight', (n) => n >= 0 && n <= 1_000_000, 'a number from 0 to 1000000');
    const priority = number('priority', (n) => Number.isInteger(n) && Math.abs(n) <= 1_000_000, 'an integer');
    const maxCost = number('max_cost', (n) => n > 0, 'a cost in USD above 0');
    const qualityMin = number('quality_min', (n) => n >= 0 && n <= 1, 'a number from 0 to 1');
    const fallbackOnly = settings.fallback_only ?? false;
    if (typeof fallbackOnly !== 'boolean') throw invalid('must be a boolean', `${path}.fallback_only`);
    return {
      name,
      weight: weight ?? 1,
      priority: priority ?? index,
      ...(maxCost !== undefined ? { maxCost } : {}),
      ...(qualityMin !== undefined ? { qualityMin } : {}),
      fallbackOnly,
    };
  });
  const main = providers.filter((p) => !p.fallbackOnly);
  if (type === 'weighted' && main.length > 0 && main.every((p) => p.weight === 0)) {
    throw invalid('a weighted strategy needs a weight above 0 on a provider that is not fallback_only', 'strategy.providers');
  }
  return { type: type as OverrideType, providers, ...(optimization === 'cost_quality_balance' ? { optimization } : {}) };
}
