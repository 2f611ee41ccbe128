import { GatewayError, type HeaderMap } from '@switchyard/core';
import { normalizeStrategy, type StrategyName } from './strategy.js';

/** The client routing headers (ARCHITECTURE.md §4) this piece honours, lower-cased. */
export const ROUTING_HEADERS = [
  'x-provider',
  'x-provider-preference',
  'x-provider-fallbacks',
  'x-include-providers',
  'x-exclude-providers',
  'x-routing-strategy',
  'x-provider-weights',
  'x-max-cost-per-request',
  'x-max-latency-ms',
  'x-data-residency',
  'x-provider-regions',
  'x-user-region',
] as const;

/** What a client's routing headers ask for, parsed and syntax-checked. */
export interface RoutingDirectives {
  provider?: string;
  preference?: string[];
  fallbacks?: string[];
  include?: string[];
  exclude?: string[];
  strategy?: StrategyName;
  weights?: Record<string, number>;
  maxCostUsd?: number;
  maxLatencyMs?: number;
  regions?: string[];
  userRegion?: string;
  /** Header names that were present, for the 403 when the key may not send them. */
  present: string[];
}

const NAME = /^[A-Za-z0-9._:-]{1,64}$/;

/** A 400 naming the header. */
export function headerError(header: string, why: string, status = 400, code = 'invalid_routing_header'): GatewayError {
  const display = header.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
  return new GatewayError(`${display}: ${why}`, { status, code, param: display });
}

function list(headers: HeaderMap, name: string): string[] | undefined {
  const raw = headers[name];
  if (raw === undefined) return undefined;
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw headerError(name, 'must list at least one name');
  for (const item of items) if (!NAME.test(item)) throw headerError(name, `"${item.slice(0, 64)}" is not a valid name`);
  return items;
}

function positive(headers: HeaderMap, name: string): number | undefined {
  const raw = headers[name];
  if (raw === undefined) return undefined;
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw headerError(name, 'must be a positive number');
  return n;
}

function weights(raw: string | undefined): Record<string, number> | undefined {
  if (raw === undefined) return undefined;
  const header = 'x-provider-weights';
  let entries: Array<[string, unknown]>;
  if (raw.trim().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw headerError(header, 'is not valid JSON');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw headerError(header, 'must be an object of provider: weight');
    entries = Object.entries(parsed);
  } else {
    entries = raw.split(',').map((pair) => {
      const [name, value, extra] = pair.split(/[=:]/).map((s) => s.trim());
      if (!name || value === undefined || extra !== undefined) throw headerError(header, 'must look like openai=3,anthropic=1');
      return [name, Number(value)];
    });
  }
  const out: Record<string, number> = {};
  for (const [name, value] of entries) {
    if (!NAME.test(name)) throw headerError(header, `"${name.slice(0, 64)}" is not a valid provider name`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw headerError(header, `weight of ${name} must be a number >= 0`);
    out[name] = value;
  }
  if (Object.keys(out).length === 0) throw headerError(header, 'must name at least one provider');
  return out;
}

/**
 * Parse the client routing headers. Malformed values are 400s naming the header; whether the
 * key may send them, and whether they widen access, is decided later against the candidates.
 * @example parseRoutingHeaders({ 'x-provider': 'anthropic' }).provider // 'anthropic'
 */
export function parseRoutingHeaders(headers: HeaderMap): RoutingDirectives {
  const present = ROUTING_HEADERS.filter((h) => headers[h] !== undefined);
  if (present.length === 0) return { present };
  const provider = list(headers, 'x-provider');
  if (provider && provider.length > 1) throw headerError('x-provider', 'names exactly one provider');
  const rawStrategy = headers['x-routing-strategy'];
  const strategy = rawStrategy === undefined ? undefined : normalizeStrategy(rawStrategy);
  if (rawStrategy !== undefined && (!strategy || strategy === 'rules' || strategy === 'model')) {
    throw headerError('x-routing-strategy', 'must be one of priority, weighted, round-robin, cost, latency, least-busy');
  }
  const regions = list(headers, 'x-data-residency') ?? list(headers, 'x-provider-regions');
  const userRegion = list(headers, 'x-user-region');
  return {
    provider: provider?.[0],
    preference: list(headers, 'x-provider-preference'),
    fallbacks: list(headers, 'x-provider-fallbacks'),
    include: list(headers, 'x-include-providers'),
    exclude: list(headers, 'x-exclude-providers'),
    strategy,
    weights: weights(headers['x-provider-weights']),
    maxCostUsd: positive(headers, 'x-max-cost-per-request'),
    maxLatencyMs: positive(headers, 'x-max-latency-ms'),
    regions: regions?.map((r) => r.toLowerCase()),
    userRegion: userRegion?.[0]?.toLowerCase(),
    present,
  };
}

/** Whether a target region satisfies a wanted region (`eu` covers `eu-west-1`). */
export function regionMatches(region: string | undefined, wanted: string): boolean {
  if (!region) return false;
  const r = region.toLowerCase();
  return r === wanted || r.startsWith(`${wanted}-`);
}
