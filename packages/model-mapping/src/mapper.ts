import type { Target } from '@switchyard/core';
import type { Catalog } from './catalog.js';
import type { GroupMember, MappingConfig } from './config.js';

/** How a requested name was resolved. */
export type ResolvedVia = 'group' | 'alias' | 'provider-prefix' | 'exact' | 'model-route' | 'model-route-default';

/** Candidates for one requested name, before capability and permission filtering. */
export interface Resolution {
  targets: Target[];
  via: ResolvedVia;
}

const MAX_DEPTH = 4;

/**
 * Maps what a client asked for to candidate targets: exact upstream names, aliases
 * (`model_mapping`), groups, provider-prefixed names (`anthropic/claude-…`) and `model_routes`
 * with a `default`. Pure over the config and the catalog; permission and capability
 * filtering happen later.
 *
 * @example
 * const mapper = new ModelMapper(config, catalog);
 * mapper.resolve('gpt-4')?.targets // [{ provider: 'openai', model: 'gpt-4-turbo-preview', priority: 1 }, …]
 */
export class ModelMapper {
  readonly #config: MappingConfig;
  readonly #catalog: Catalog;
  readonly #order = new Map<string, number>();
  readonly #routing = new Map<string, { priority?: number; weight?: number }>();

  constructor(config: MappingConfig, catalog: Catalog) {
    this.#config = config;
    this.#catalog = catalog;
    const routed = config.routing?.providers ?? [];
    routed.forEach((p, i) => {
      if (!p || typeof p.name !== 'string') throw new TypeError(`routing.providers[${i}].name must be a string`);
      if (p.priority !== undefined && !Number.isFinite(p.priority)) throw new TypeError(`routing.providers[${i}].priority must be a number`);
      if (p.weight !== undefined && !(Number.isFinite(p.weight) && p.weight >= 0)) throw new TypeError(`routing.providers[${i}].weight must be a number >= 0`);
      this.#order.set(p.name, i);
      this.#routing.set(p.name, { priority: p.priority, weight: p.weight });
    });
    const offset = routed.length;
    catalog.providers().forEach((p, i) => {
      if (!this.#order.has(p.name)) this.#order.set(p.name, offset + i);
    });
  }

  /** Resolve a requested model name; undefined when nothing could serve it. */
  resolve(requested: string): Resolution | undefined {
    const found = this.#resolveName(requested, 0);
    const routes = this.#config.routing?.model_routes;
    const route = routes ? routeFor(routes, requested) : undefined;
    if (route && this.#catalog.provider(route)) {
      const pinned = found?.targets.filter((t) => t.provider === route) ?? [];
      const model = this.#config.model_mapping?.[requested]?.[route] ?? requested;
      return { targets: this.#decorate(pinned.length > 0 ? pinned : [{ provider: route, model }]), via: 'model-route' };
    }
    if (found) return { targets: this.#decorate(found.targets), via: found.via };
    const fallback = routes?.default;
    if (fallback && this.#catalog.provider(fallback)) {
      return { targets: this.#decorate([{ provider: fallback, model: requested }]), via: 'model-route-default' };
    }
    return undefined;
  }

  /** The model a provider should receive for a requested name (alias-aware). */
  modelFor(provider: string, requested: string): string | undefined {
    const hit = this.#resolveName(requested, 0)?.targets.find((t) => t.provider === provider);
    if (hit) return hit.model;
    return this.#catalog.provider(provider)?.open || this.#catalog.get(provider, requested) ? requested : undefined;
  }

  /** Names a client could use (aliases, groups, enabled models), at most `limit`. */
  availableNames(limit = 25): string[] {
    const names = new Set<string>([...Object.keys(this.#config.model_mapping ?? {}), ...Object.keys(this.#config.groups ?? {})]);
    for (const m of this.#catalog.list({ enabled: true })) names.add(m.model);
    return [...names].slice(0, limit);
  }

  /** Routing priority and weight of a provider from `routing.providers`. */
  routingOf(provider: string): { priority?: number; weight?: number } {
    return this.#routing.get(provider) ?? {};
  }

  #resolveName(name: string, depth: number): Resolution | undefined {
    if (depth > MAX_DEPTH || name === '') return undefined;
    const group = this.#config.groups?.[name];
    if (group) {
      const targets = this.#restrict(dedupe(group.flatMap((member) => this.#member(member, depth))));
      return targets.length > 0 ? { targets, via: 'group' } : undefined;
    }
    const alias = this.#config.model_mapping?.[name];
    if (alias) {
      const targets = this.#restrict(
        Object.entries(alias)
          .filter(([provider]) => this.#catalog.provider(provider))
          .map(([provider, model]) => ({ provider, model })),
      );
      if (targets.length > 0) return { targets, via: 'alias' };
    }
    const slash = name.indexOf('/');
    if (slash > 0) {
      const provider = name.slice(0, slash);
      const rest = name.slice(slash + 1);
      const p = this.#catalog.provider(provider);
      if (p) {
        const inner = this.#resolveName(rest, depth + 1)?.targets.filter((t) => t.provider === provider) ?? [];
        if (inner.length > 0) return { targets: inner, via: 'provider-prefix' };
        // An explicitly named provider with no model list gets the name as is: the client chose.
        if (this.#catalog.get(provider, rest) || p.open) return { targets: [{ provider, model: rest }], via: 'provider-prefix' };
        return undefined;
      }
    }
    const exact = this.#restrict(this.#catalog.servedBy(name).map((m) => ({ provider: m.provider, model: m.model })));
    return exact.length > 0 ? { targets: exact, via: 'exact' } : undefined;
  }

  #member(member: GroupMember, depth: number): Target[] {
    if (typeof member === 'object' && member !== null) return [{ provider: member.provider, model: member.model }];
    return this.#resolveName(String(member), depth + 1)?.targets ?? [];
  }

  /** With `routing.providers` configured, implicit resolution only uses the providers listed there. */
  #restrict(targets: Target[]): Target[] {
    if (this.#routing.size === 0) return targets;
    return targets.filter((t) => this.#routing.has(t.provider));
  }

  #decorate(targets: Target[]): Target[] {
    return dedupe(targets)
      .map((t) => {
        // A fixed literal, then the optional fields: one shape for every target, no object
        // spread (a spread of differently shaped targets went through V8's slow path).
        const out: Target = { provider: t.provider, model: t.model };
        const r = this.#routing.get(t.provider);
        const priority = t.priority ?? r?.priority;
        if (priority !== undefined) out.priority = priority;
        const weight = t.weight ?? r?.weight;
        if (weight !== undefined) out.weight = weight;
        const region = t.region ?? this.#catalog.describe(t.provider, t.model).region;
        if (region !== undefined) out.region = region;
        if (t.byok !== undefined) out.byok = t.byok;
        return out;
      })
      .sort((a, b) => (this.#order.get(a.provider) ?? 1e9) - (this.#order.get(b.provider) ?? 1e9));
  }
}

/** The targets without repeats, first one kept. Lists are short: compared pairwise, no key strings. */
function dedupe(targets: Target[]): Target[] {
  return targets.filter((t, i) => {
    for (let j = 0; j < i; j++) if (targets[j]!.provider === t.provider && targets[j]!.model === t.model) return false;
    return true;
  });
}

/** Exact route, else the longest route key the requested name starts with (`claude-3-opus` covers `claude-3-opus-20240229`). */
function routeFor(routes: Record<string, string>, requested: string): string | undefined {
  if (Object.hasOwn(routes, requested) && requested !== 'default') return routes[requested];
  let best: string | undefined;
  for (const key of Object.keys(routes)) {
    if (key !== 'default' && requested.startsWith(key) && (!best || key.length > best.length)) best = key;
  }
  return best ? routes[best] : undefined;
}
