/**
 * The canaries of a gateway: which target serves a canaried model's request, the figures of each
 * step, and the transitions (written to the store with a version check, then reported through
 * `onTransition` and a log line).
 * @module
 */
import { GatewayError, type Exchange, type Logger } from '@switchyard/core';
import { Canary, type CanaryDefinition, type CanaryState, type CanaryStepFigures, type CanaryTransition } from './canary.js';
import { MemoryCanaryStore, type CanaryStore } from './canary-store.js';

/** Options of {@link canaries}. */
export interface CanariesOptions {
  /** Where definitions and states are kept. Defaults to a {@link MemoryCanaryStore}. */
  store?: CanaryStore;
  /** Told of every promotion, step and rollback. Defaults to none. */
  onTransition?: (transition: CanaryTransition) => void;
  /** Logs every transition (a rollback at `warn`). Defaults to none. */
  logger?: Logger;
  random: () => number;
  now: () => number;
}

/** What the admin API shows of a canary. */
export interface CanaryReport {
  definition: Required<CanaryDefinition>;
  state: CanaryState;
  share: number;
  step: { candidate: CanaryStepFigures; baseline: CanaryStepFigures };
}

/** The canaries, as the pipeline and the admin routes use them. */
export interface Canaries {
  /** Rewrite the plan of a canaried model's request; returns the arm, or undefined. */
  route(exchange: Exchange): { canary: Canary; arm: 'candidate' | 'baseline' } | undefined;
  create(definition: CanaryDefinition): Promise<CanaryReport>;
  report(id: string): CanaryReport;
  list(): CanaryReport[];
  /** Roll a canary back by hand. */
  rollback(id: string, reason: string): Promise<CanaryReport>;
  /** Pass the current step by hand (`full`: promote at once). */
  promote(id: string, reason: string, full?: boolean): Promise<CanaryReport>;
  /** Check every canary now (time-based promotions); also re-reads the store. */
  evaluate(): Promise<CanaryTransition[]>;
  /** Re-read definitions and states from the store (another instance's changes). */
  refresh(): Promise<void>;
}

/** Build the canaries over a store (call {@link Canaries.refresh} once to load it). */
export function canaries(options: CanariesOptions): Canaries {
  const store = options.store ?? new MemoryCanaryStore();
  const all = new Map<string, Canary>();

  const find = (id: string): Canary => {
    const canary = all.get(id);
    if (!canary) throw new GatewayError(`No canary "${id}"`, { status: 404, code: 'canary_not_found', param: 'id' });
    return canary;
  };
  const report = (c: Canary): CanaryReport => ({ definition: c.definition, state: c.state, share: c.share, step: c.figures() });

  /** Re-read the store; `lost` names a canary whose own move lost the race: it takes the stored state whatever its version. */
  const refresh = async (lost?: string) => {
    for (const { definition, state } of await store.list()) {
      const existing = all.get(definition.id);
      if (existing && JSON.stringify(existing.definition) === JSON.stringify(definition)) existing.adopt(state, definition.id === lost);
      else all.set(definition.id, new Canary(definition, options.now(), state));
    }
  };

  /** Persist a transition; when another instance moved first, take its state instead. */
  const commit = async (canary: Canary, transition: CanaryTransition | undefined) => {
    if (!transition) return undefined;
    if (!(await store.advance(canary.state))) {
      await refresh(canary.definition.id);
      return undefined;
    }
    const fields = {
      canary: transition.id,
      from: transition.from,
      to: transition.to,
      share: transition.share,
      criterion: transition.criterion,
      reason: transition.reason,
    };
    if (transition.to === 'rolled_back') options.logger?.warn(fields, 'canary rolled back');
    else options.logger?.info(fields, transition.to === 'promoted' ? 'canary promoted' : 'canary step passed');
    options.onTransition?.(transition);
    return transition;
  };

  /** An operator's decision, written like any transition (another instance's move wins a race). */
  const decide = async (id: string, decision: 'rollback' | 'next' | 'promote', reason: string) => {
    const canary = find(id);
    await commit(canary, canary.decide(decision, options.now(), reason));
    return report(canary);
  };

  return {
    route(exchange) {
      for (const canary of all.values()) {
        if (!canary.definition.models.includes(exchange.requestedModel)) continue;
        const { target, arm } = canary.pick(options.random());
        if (exchange.principal?.allowedProviders && !exchange.principal.allowedProviders.includes(target.provider)) return undefined;
        exchange.plan = {
          strategy: `canary:${canary.definition.id}`,
          targets: [{ ...target, reason: `canary ${canary.definition.id} (${canary.state.status}, ${canary.share}%): ${arm}` }],
        };
        exchange.responseHeaders['x-switchyard-canary'] = `${canary.definition.id}/${arm}`;
        if (canary.state.status === 'ramping') {
          exchange.onSettled((ex, settlement) => {
            if (settlement.outcome === 'aborted') return;
            canary.record(arm, { success: settlement.outcome === 'completed' && settlement.status < 400, latencyMs: settlement.endedAt - ex.startedAt });
            void commit(canary, canary.evaluate(options.now())).catch((err: unknown) =>
              options.logger?.error({ canary: canary.definition.id, err: String((err as Error)?.message ?? err) }, 'canary state not saved'),
            );
          });
        }
        return { canary, arm };
      }
      return undefined;
    },
    async create(definition) {
      const existing = all.get(definition?.id);
      const canary = new Canary(definition, options.now());
      // A re-created canary starts over, with a version above the old one so other instances adopt it.
      if (existing) canary.state.version = existing.state.version + 1;
      await store.put({ definition: canary.definition, state: canary.state });
      all.set(canary.definition.id, canary);
      return report(canary);
    },
    report: (id) => report(find(id)),
    list: () => [...all.values()].map(report),
    rollback: (id, reason) => decide(id, 'rollback', reason),
    promote: (id, reason, full = false) => decide(id, full ? 'promote' : 'next', reason),
    async evaluate() {
      await refresh();
      const done: CanaryTransition[] = [];
      for (const canary of all.values()) {
        const t = await commit(canary, canary.evaluate(options.now()));
        if (t) done.push(t);
      }
      return done;
    },
    refresh: () => refresh(),
  };
}
