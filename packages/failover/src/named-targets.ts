import type { Exchange, Target } from '@switchyard/core';

/** A target failover names itself: without `model` (or with `'*'`) the client's model is passed on. */
export interface NamedTarget {
  provider: string;
  model?: string;
}

/** Failover's own targets: a static list, or a function of the exchange (undefined = none). */
export type NamedTargets = readonly NamedTarget[] | ((exchange: Exchange) => readonly NamedTarget[] | undefined | Promise<readonly NamedTarget[] | undefined>);

/** Check the `targets` option at start-up. */
export function checkNamedTargets(targets: NamedTargets | undefined): NamedTargets | undefined {
  if (targets === undefined || typeof targets === 'function') return targets;
  if (!Array.isArray(targets) || targets.length === 0)
    throw new TypeError('failover: `targets` must be a non-empty list of { provider, model? } or a function');
  for (const [i, t] of targets.entries()) {
    if (!t || typeof t.provider !== 'string' || !t.provider) throw new TypeError(`failover: targets[${i}].provider must be a provider name`);
    if (t.model !== undefined && (typeof t.model !== 'string' || !t.model)) throw new TypeError(`failover: targets[${i}].model must be a model name`);
  }
  return targets;
}

/** The targets named for this exchange, the client's model filled in where none is named. */
export async function resolveNamedTargets(targets: NamedTargets, exchange: Exchange): Promise<Target[]> {
  const named = typeof targets === 'function' ? await targets(exchange) : targets;
  const out: Target[] = [];
  for (const t of named ?? []) {
    const model = t.model && t.model !== '*' ? t.model : exchange.requestedModel;
    if (model) out.push({ provider: t.provider, model });
  }
  return out;
}
