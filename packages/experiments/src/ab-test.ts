/**
 * One A/B test: matching traffic split between arms, per-arm figures, and a verdict per metric
 * (two-proportion z-test for the success rate, Welch's t-test for means) once every arm has the
 * minimum sample. A winner is named only when the primary metric's difference is significant.
 * @module
 */
import { createHash } from 'node:crypto';
import { proportionInterval, quantile, RunningMean, meanInterval, twoProportionTest, welchTest, type Interval, type TestResult } from './stats.js';

/** One arm: a target and its share of the experiment's traffic. */
export interface ArmDefinition {
  name: string;
  provider: string;
  model: string;
  /** Relative share (normalised over the arms). */
  share: number;
}

/** Which requests an experiment takes. Every given field must match; none given matches all. */
export interface ExperimentMatch {
  /** Requested model names (as the client sent them). */
  models?: string[];
  /** Key ids (or app user ids). */
  keys?: string[];
  /** Request-body `metadata` entries that must be equal. */
  metadata?: Record<string, string>;
}

/** The metric a winner is declared on. `latency` and `cost` are better when lower. */
export type PrimaryMetric = 'success_rate' | 'quality' | 'latency' | 'cost';

/** An experiment as created through the admin API or the config. */
export interface ExperimentDefinition {
  id: string;
  description?: string;
  match: ExperimentMatch;
  arms: ArmDefinition[];
  /** Defaults to `success_rate`. */
  metric?: PrimaryMetric;
  /** Requests every arm needs before any verdict. Defaults to the options' `minSamples`. */
  minSamples?: number;
  /** Significance level. Defaults to the options' `alpha`. */
  alpha?: number;
}

/** The per-request outcome an arm records. */
export interface ArmOutcome {
  success: boolean;
  latencyMs: number;
  ttftMs?: number;
  costUsd?: number;
}

/** The samples kept per arm for quantiles (the most recent; means use every request). */
export const QUANTILE_WINDOW = 10_000;

/** What an arm has collected: counted in the process, or summed up from the request log. */
export class ArmFigures {
  requests = 0;
  successes = 0;
  latency = new RunningMean();
  ttft = new RunningMean();
  cost = new RunningMean();
  quality = new RunningMean();
  /** The latest latencies (at most 10,000), for p50 and p95. */
  latencies: number[] = [];

  record(outcome: ArmOutcome): void {
    this.requests += 1;
    if (outcome.success) this.successes += 1;
    this.latency.add(outcome.latencyMs);
    this.latencies.push(outcome.latencyMs);
    if (this.latencies.length > QUANTILE_WINDOW) this.latencies.splice(0, this.latencies.length - QUANTILE_WINDOW);
    if (outcome.ttftMs !== undefined) this.ttft.add(outcome.ttftMs);
    // Cost is what an answer costs: a failed request usually costs nothing, and counting its $0
    // would make a failing arm look cheaper.
    if (outcome.success && outcome.costUsd !== undefined) this.cost.add(outcome.costUsd);
  }
}

/** What the report says about one arm. */
export interface ArmReport {
  name: string;
  provider: string;
  model: string;
  share: number;
  requests: number;
  successRate: number | null;
  successRateCi95?: Interval;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  ttftMeanMs: number | null;
  costPerRequestUsd: number | null;
  qualityRatings: number;
  qualityMean: number | null;
  qualityCi95?: Interval;
}

/** One metric compared between the control (first arm) and another arm. */
export interface Comparison extends TestResult {
  metric: PrimaryMetric;
  arm: string;
  /** The arm's value minus the control's. */
  difference: number;
  significant: boolean;
  /** Whether the arm is better than the control on this metric (only meaningful when significant). */
  better: boolean;
}

/** The state of an experiment: figures, comparisons and (maybe) a winner. */
export interface ExperimentReport {
  id: string;
  description?: string;
  status: 'running' | 'stopped';
  /** When it was started, and stopped (ms since the epoch). */
  startedAt: number;
  stoppedAt?: number;
  match: ExperimentMatch;
  metric: PrimaryMetric;
  minSamples: number;
  alpha: number;
  arms: ArmReport[];
  /** `insufficient_data` until every arm has `minSamples` requests (and ratings, for quality). */
  verdict: 'insufficient_data' | 'no_significant_difference' | 'winner';
  winner?: string;
  /** Set by an operator's declaration (which also stops the experiment). */
  declaredWinner?: string;
  comparisons: Comparison[];
  methods: Record<PrimaryMetric, string>;
}

const METHODS: Record<PrimaryMetric, string> = {
  success_rate: 'two-proportion z-test (pooled), Wilson 95% interval',
  latency: "Welch's t-test on mean latency",
  cost: "Welch's t-test on mean cost per successful request",
  quality: "Welch's t-test on mean rating, Student-t 95% interval",
};

/** The lifecycle of an experiment, as stored (and agreed across instances through the store). */
export interface ExperimentState {
  status: 'running' | 'stopped';
  startedAt: number;
  stoppedAt?: number;
  /** Set by an operator's declaration (which also stops the experiment). */
  declaredWinner?: string;
  /** Bumped on every change: a store write only succeeds over the version it read. */
  version: number;
}

/** A running A/B test. */
export class AbTest {
  readonly definition: Required<Omit<ExperimentDefinition, 'description'>> & { description?: string };
  state: ExperimentState;
  readonly #figures: Map<string, ArmFigures>;
  readonly #total: number;

  constructor(definition: ExperimentDefinition, defaults: { minSamples: number; alpha: number; now?: number }, state?: ExperimentState) {
    checkDefinition(definition);
    this.definition = { metric: 'success_rate', minSamples: defaults.minSamples, alpha: defaults.alpha, ...definition };
    this.state = state ?? { status: 'running', startedAt: defaults.now ?? Date.now(), version: 1 };
    this.#figures = new Map(definition.arms.map((a) => [a.name, new ArmFigures()]));
    this.#total = definition.arms.reduce((sum, a) => sum + a.share, 0);
  }

  get status(): ExperimentState['status'] {
    return this.state.status;
  }

  /** Whether a request with these facts belongs to the experiment. */
  matches(request: { model: string; principalId?: string; metadata?: Record<string, unknown> }): boolean {
    const { models, keys, metadata } = this.definition.match;
    if (models && !models.includes(request.model)) return false;
    if (keys && (!request.principalId || !keys.includes(request.principalId))) return false;
    if (metadata && !Object.entries(metadata).every(([k, v]) => request.metadata?.[k] === v)) return false;
    return true;
  }

  /**
   * The arm for a request: the same sticky id (user or session) always gets the same arm;
   * without one, `random` decides.
   */
  assign(stickyId: string | undefined, random: () => number): ArmDefinition {
    const point = (stickyId !== undefined ? hashPoint(`${this.definition.id}:${stickyId}`) : random()) * this.#total;
    let edge = 0;
    for (const arm of this.definition.arms) {
      edge += arm.share;
      if (point < edge) return arm;
    }
    return this.definition.arms[this.definition.arms.length - 1]!;
  }

  record(arm: string, outcome: ArmOutcome): void {
    this.#figures.get(arm)?.record(outcome);
  }

  recordQuality(arm: string, score: number): void {
    this.#figures.get(arm)?.quality.add(score);
  }

  /** The report over this process's own figures, or over `figures` (e.g. summed up from the request log). */
  report(figures: ReadonlyMap<string, ArmFigures> = this.#figures): ExperimentReport {
    const { id, description, match, arms, metric, minSamples, alpha } = this.definition;
    const { status, startedAt, stoppedAt, declaredWinner } = this.state;
    const perArm = arms.map((a) => figures.get(a.name) ?? new ArmFigures());
    const armReports = arms.map((a, i) => armReport(a, perArm[i]!, this.#total));
    const enough = perArm.every((f) => f.requests >= minSamples && (metric !== 'quality' || f.quality.count >= minSamples));
    const comparisons = enough ? perArm.slice(1).flatMap((f, i) => compare(perArm[0]!, f, arms[i + 1]!.name, alpha)) : [];
    const better = comparisons.filter((c) => c.metric === metric && c.significant && c.better);
    const worse = comparisons.filter((c) => c.metric === metric && c.significant && !c.better);
    let winner: string | undefined;
    if (better.length > 0) winner = better.sort((a, b) => (lowerIsBetter(metric) ? a.difference - b.difference : b.difference - a.difference))[0]!.arm;
    else if (worse.length === arms.length - 1 && arms.length > 1) winner = arms[0]!.name; // the control beats every other arm
    return {
      id,
      ...(description ? { description } : {}),
      status,
      startedAt,
      ...(stoppedAt !== undefined ? { stoppedAt } : {}),
      match,
      metric,
      minSamples,
      alpha,
      arms: armReports,
      verdict: !enough ? 'insufficient_data' : winner ? 'winner' : 'no_significant_difference',
      ...(winner ? { winner } : {}),
      ...(declaredWinner ? { declaredWinner } : {}),
      comparisons,
      methods: METHODS,
    };
  }
}

const lowerIsBetter = (metric: PrimaryMetric) => metric === 'latency' || metric === 'cost';

function compare(control: ArmFigures, arm: ArmFigures, name: string, alpha: number): Comparison[] {
  const out: Comparison[] = [];
  const add = (metric: PrimaryMetric, test: TestResult, difference: number) => {
    const significant = test.pValue < alpha;
    out.push({ metric, arm: name, difference, ...test, significant, better: lowerIsBetter(metric) ? difference < 0 : difference > 0 });
  };
  add(
    'success_rate',
    twoProportionTest(arm.successes, arm.requests, control.successes, control.requests),
    arm.successes / arm.requests - control.successes / control.requests,
  );
  add('latency', welchTest(arm.latency, control.latency), arm.latency.mean - control.latency.mean);
  if (arm.cost.count > 1 && control.cost.count > 1) add('cost', welchTest(arm.cost, control.cost), arm.cost.mean - control.cost.mean);
  if (arm.quality.count > 1 && control.quality.count > 1) add('quality', welchTest(arm.quality, control.quality), arm.quality.mean - control.quality.mean);
  return out;
}

function armReport(arm: ArmDefinition, f: ArmFigures, total: number): ArmReport {
  const successCi = proportionInterval(f.successes, f.requests);
  const qualityCi = meanInterval(f.quality);
  return {
    name: arm.name,
    provider: arm.provider,
    model: arm.model,
    share: arm.share / total,
    requests: f.requests,
    successRate: f.requests > 0 ? f.successes / f.requests : null,
    ...(successCi ? { successRateCi95: successCi } : {}),
    latencyP50Ms: quantile(f.latencies, 0.5) ?? null,
    latencyP95Ms: quantile(f.latencies, 0.95) ?? null,
    ttftMeanMs: f.ttft.count > 0 ? f.ttft.mean : null,
    costPerRequestUsd: f.cost.count > 0 ? f.cost.mean : null,
    qualityRatings: f.quality.count,
    qualityMean: f.quality.count > 0 ? f.quality.mean : null,
    ...(qualityCi ? { qualityCi95: qualityCi } : {}),
  };
}

/** A stable point in [0, 1) for a string. */
function hashPoint(value: string): number {
  return createHash('sha256').update(value).digest().readUInt32BE(0) / 2 ** 32;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Throw a TypeError naming the bad field of a definition. */
export function checkDefinition(d: ExperimentDefinition): void {
  if (!d || typeof d !== 'object') throw new TypeError('experiment: must be an object');
  if (typeof d.id !== 'string' || !ID.test(d.id)) throw new TypeError('id: 1-64 letters, digits, ".", "_" or "-"');
  if (!d.match || typeof d.match !== 'object') throw new TypeError('match: must be an object ({ models?, keys?, metadata? })');
  for (const field of ['models', 'keys'] as const) {
    const list = d.match[field];
    if (list !== undefined && (!Array.isArray(list) || list.some((v) => typeof v !== 'string')))
      throw new TypeError(`match.${field}: must be a list of strings`);
  }
  if (d.match.metadata !== undefined && (typeof d.match.metadata !== 'object' || Object.values(d.match.metadata).some((v) => typeof v !== 'string'))) {
    throw new TypeError('match.metadata: must map names to strings');
  }
  if (!Array.isArray(d.arms) || d.arms.length < 2 || d.arms.length > 10) throw new TypeError('arms: 2 to 10 arms are required');
  const names = new Set<string>();
  d.arms.forEach((arm, i) => {
    if (!arm || typeof arm.name !== 'string' || !ID.test(arm.name)) throw new TypeError(`arms[${i}].name: 1-64 letters, digits, ".", "_" or "-"`);
    if (names.has(arm.name)) throw new TypeError(`arms[${i}].name: "${arm.name}" is used twice`);
    names.add(arm.name);
    if (typeof arm.provider !== 'string' || arm.provider === '' || typeof arm.model !== 'string' || arm.model === '')
      throw new TypeError(`arms[${i}]: provider and model are required`);
    if (typeof arm.share !== 'number' || !(arm.share > 0)) throw new TypeError(`arms[${i}].share: must be a number above 0`);
  });
  if (d.metric !== undefined && !(d.metric in METHODS)) throw new TypeError('metric: success_rate, quality, latency or cost');
  if (d.minSamples !== undefined && !(Number.isInteger(d.minSamples) && d.minSamples >= 2)) throw new TypeError('minSamples: an integer of at least 2');
  if (d.alpha !== undefined && !(typeof d.alpha === 'number' && d.alpha > 0 && d.alpha < 0.5)) throw new TypeError('alpha: a number between 0 and 0.5');
}
