/**
 * The A/B tests of a gateway: which arm serves a matching request, their lifecycle (kept in a
 * store with a version check, so instances on one database agree), and their reports (figures
 * counted in the process, or summed up from the request log when the store can).
 * @module
 */
import { GatewayError, type Exchange } from '@switchyard/core';
import { AbTest, type ArmDefinition, type ExperimentDefinition, type ExperimentReport, type ExperimentState } from './ab-test.js';
import { armStrategy, MemoryExperimentStore, type ExperimentStore } from './experiment-store.js';

/** Options of {@link abTests}. */
export interface AbTestsOptions {
  /** Where definitions and states are kept. Defaults to a {@link MemoryExperimentStore}. */
  store?: ExperimentStore;
  /** Experiments running from the start unless the store has them. Defaults to none. */
  tests?: ExperimentDefinition[];
  /** Called before figures are read from the store (e.g. flush pending request-log writes). Defaults to none. */
  beforeFigures?: () => Promise<void>;
  defaults: { minSamples: number; alpha: number };
  now: () => number;
}

/** The A/B tests, as the pipeline and the admin routes use them. */
export interface AbTests {
  /** The running experiment that takes a request, if any (the first that matches). */
  match(request: { model: string; principalId?: string; metadata?: Record<string, unknown> }): Iterable<AbTest>;
  /** Whether arm figures are counted in this process (true) or read from the request log. */
  readonly countsInProcess: boolean;
  start(definition: ExperimentDefinition): Promise<ExperimentReport>;
  stop(id: string): Promise<ExperimentReport>;
  /** Record an operator's decision: stops the experiment and names the winning arm. */
  declare(id: string, arm: string): Promise<ExperimentReport>;
  report(id: string): Promise<ExperimentReport>;
  list(): Promise<ExperimentReport[]>;
  /** Re-read the store (another instance's changes) and create configured experiments it lacks. */
  refresh(): Promise<void>;
}

/** The plan of an enrolled request: the arm's target alone (failing over to another arm's would blur the comparison). */
export function armPlan(exchange: Exchange, test: AbTest, arm: ArmDefinition): void {
  const id = test.definition.id;
  exchange.plan = { strategy: armStrategy(id, arm.name), targets: [{ provider: arm.provider, model: arm.model, reason: `experiment ${id}, arm ${arm.name}` }] };
}

/** Build the A/B tests over a store; configured ones start at once in memory (call {@link AbTests.refresh} to reconcile with the store). */
export function abTests(options: AbTestsOptions): AbTests {
  const store: ExperimentStore = options.store ?? new MemoryExperimentStore();
  const all = new Map<string, AbTest>();
  const make = (definition: ExperimentDefinition, state?: ExperimentState) => new AbTest(definition, { ...options.defaults, now: options.now() }, state);
  for (const definition of options.tests ?? []) all.set(definition.id, make(definition));
  let configuredSaved = false;

  const refresh = async () => {
    if (!configuredSaved) {
      // A configured experiment is stored at the first start only: afterwards the stored one (maybe stopped) wins.
      const stored = new Set((await store.list()).map((e) => e.definition.id));
      for (const definition of options.tests ?? []) {
        const test = all.get(definition.id)!;
        if (!stored.has(definition.id)) await store.create({ definition: test.definition, state: test.state }); // false: another instance was first
      }
      configuredSaved = true;
    }
    for (const { definition, state } of await store.list()) {
      const existing = all.get(definition.id);
      if (existing && existing.state.startedAt === state.startedAt) {
        if (state.version > existing.state.version) existing.state = state;
      } else all.set(definition.id, make(definition, state));
    }
  };
  const find = async (id: string): Promise<AbTest> => {
    await refresh();
    const test = all.get(id);
    if (!test) throw new GatewayError(`No experiment "${id}"`, { status: 404, code: 'experiment_not_found', param: 'id' });
    return test;
  };
  const report = async (test: AbTest): Promise<ExperimentReport> => {
    if (!store.figures) return test.report();
    await options.beforeFigures?.();
    const { definition, state } = test;
    const arms = Object.fromEntries(definition.arms.map((a) => [a.name, armStrategy(definition.id, a.name)]));
    return test.report(await store.figures({ arms, since: state.startedAt, until: state.stoppedAt ?? options.now() + 60_000 }));
  };
  /** Stop (and maybe declare) over the version read; when another instance moved first, re-read and try once more. */
  const finish = async (id: string, declaredWinner?: string): Promise<ExperimentReport> => {
    for (let attempt = 0; ; attempt++) {
      const test = await find(id);
      if (declaredWinner !== undefined && !test.definition.arms.some((a) => a.name === declaredWinner)) {
        throw new GatewayError(`Experiment "${id}" has no arm "${declaredWinner}"`, { status: 400, code: 'invalid_arm', param: 'arm' });
      }
      const { status, stoppedAt, version } = test.state;
      const next: ExperimentState = {
        ...test.state,
        status: 'stopped',
        ...(status === 'running' ? { stoppedAt: options.now() } : stoppedAt !== undefined ? { stoppedAt } : {}),
        ...(declaredWinner !== undefined ? { declaredWinner } : {}),
        version: version + 1,
      };
      if (await store.advance(id, next)) {
        test.state = next;
        return report(test);
      }
      if (attempt > 0)
        throw new GatewayError(`Experiment "${id}" is being changed elsewhere; try again`, { status: 409, code: 'experiment_conflict', param: 'id' });
    }
  };

  return {
    *match(request) {
      for (const test of all.values()) if (test.status === 'running' && test.matches(request)) yield test;
    },
    countsInProcess: !store.figures,
    async start(definition) {
      const test = make(definition);
      if (!(await store.create({ definition: test.definition, state: test.state }))) {
        throw new GatewayError(`Experiment "${test.definition.id}" is running`, { status: 409, code: 'experiment_exists', param: 'id' });
      }
      all.set(test.definition.id, test);
      return report(test);
    },
    stop: (id) => finish(id),
    declare: (id, arm) => finish(id, arm),
    report: async (id) => report(await find(id)),
    async list() {
      await refresh();
      return Promise.all([...all.values()].map(report));
    },
    refresh,
  };
}
