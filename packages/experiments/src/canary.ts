/**
 * Canary rollouts: a new target takes a growing share of a model's traffic, step by step
 * (e.g. 1% → 5% → 25% → 50% → 100%). Each step lasts at least `stepDuration` and `minSamples`
 * canary requests; the step is passed when the canary's error rate, p95 latency and quality are
 * within the criteria, and the canary is promoted after the last one. A breach at any
 * evaluation rolls the canary back to the baseline at once, with the reason.
 * @module
 */
import { proportionInterval, quantile, RunningMean } from './stats.js';

/** A target (provider + upstream model). */
export interface CanaryTarget {
  provider: string;
  model: string;
}

/** What a canary must meet at every step. Unset criteria are not checked. */
export interface CanaryCriteria {
  /** Highest error rate (0..1) of the canary's requests in the step. */
  maxErrorRate?: number;
  /** Highest p95 latency of the canary's requests in the step, ms. */
  maxP95LatencyMs?: number;
  /** How far the canary's mean rating may fall below the baseline's (0..1). */
  qualityMargin?: number;
}

/** A canary as created through the admin API or the config. */
export interface CanaryDefinition {
  id: string;
  /** Requested model names whose traffic the canary shares. */
  models: string[];
  baseline: CanaryTarget;
  candidate: CanaryTarget;
  /** Canary traffic share per step, percent, rising, ending at 100. Defaults to [1, 5, 25, 50, 100]. */
  steps?: number[];
  /** Shortest time a step lasts, ms. Defaults to 10 minutes. */
  stepDurationMs?: number;
  /** Fewest canary requests a step needs before it can pass. Defaults to 50. */
  minSamples?: number;
  criteria: CanaryCriteria;
}

/** Where a canary is. */
export type CanaryStatus = 'ramping' | 'promoted' | 'rolled_back';

/** The persisted state of a canary (agreed across instances through the store). */
export interface CanaryState {
  id: string;
  status: CanaryStatus;
  step: number;
  stepStartedAt: number;
  /** Why it was rolled back (or promoted). */
  reason?: string;
  /** Bumped on every change: a store write only succeeds over the version it read. */
  version: number;
  /** The latest transitions, oldest first (at most {@link HISTORY_LIMIT}). */
  history?: CanaryHistoryEntry[];
}

/** One transition in a canary's history. */
export interface CanaryHistoryEntry extends Omit<CanaryTransition, 'id'> {
  /** When it happened, ms since the epoch. */
  at: number;
}

/** Transitions kept in a canary's state. */
export const HISTORY_LIMIT = 50;

/** A transition, as events, log lines and metrics report it. */
export interface CanaryTransition {
  id: string;
  from: CanaryStatus;
  to: CanaryStatus;
  step: number;
  /** The canary's share after the transition, percent. */
  share: number;
  reason: string;
  /** What decided it, for metric labels: `error_rate`, `p95_latency`, `quality`, `criteria_met` or `operator`. */
  criterion: 'error_rate' | 'p95_latency' | 'quality' | 'criteria_met' | 'operator';
}

class Window {
  requests = 0;
  errors = 0;
  latencies: number[] = [];
  quality = new RunningMean();
}

/** The figures of one step, as the report shows them. */
export interface CanaryStepFigures {
  requests: number;
  errorRate: number | null;
  p95LatencyMs: number | null;
  qualityMean: number | null;
}

/** One canary: its definition, its state, and the figures of the current step. */
export class Canary {
  readonly definition: Required<CanaryDefinition>;
  state: CanaryState;
  #candidate = new Window();
  #baseline = new Window();

  constructor(definition: CanaryDefinition, now: number, state?: CanaryState) {
    checkCanary(definition);
    this.definition = { steps: [1, 5, 25, 50, 100], stepDurationMs: 600_000, minSamples: 50, ...definition };
    this.state = state ?? { id: definition.id, status: 'ramping', step: 0, stepStartedAt: now, version: 1 };
  }

  /** The canary's current share of traffic, percent (0 once rolled back, 100 once promoted). */
  get share(): number {
    if (this.state.status === 'rolled_back') return 0;
    if (this.state.status === 'promoted') return 100;
    return this.definition.steps[this.state.step]!;
  }

  /** The target for a request, given a uniform point in [0, 1). */
  pick(point: number): { target: CanaryTarget; arm: 'candidate' | 'baseline' } {
    return point * 100 < this.share ? { target: this.definition.candidate, arm: 'candidate' } : { target: this.definition.baseline, arm: 'baseline' };
  }

  record(arm: 'candidate' | 'baseline', outcome: { success: boolean; latencyMs: number }): void {
    const w = arm === 'candidate' ? this.#candidate : this.#baseline;
    w.requests += 1;
    if (!outcome.success) w.errors += 1;
    w.latencies.push(outcome.latencyMs);
    if (w.latencies.length > 10_000) w.latencies.shift();
  }

  recordQuality(arm: 'candidate' | 'baseline', score: number): void {
    (arm === 'candidate' ? this.#candidate : this.#baseline).quality.add(score);
  }

  /**
   * Replace the state with one read from the store (another instance moved the canary): a newer
   * one, or any when `force` (this instance's own move lost the race).
   */
  adopt(state: CanaryState, force = false): void {
    if (!force && state.version <= this.state.version) return;
    const stepChanged = state.step !== this.state.step || state.status !== this.state.status;
    this.state = state;
    if (stepChanged) this.#reset();
  }

  /**
   * Check the step. From a tenth of `minSamples` (at least 5) canary requests on, a breach rolls
   * back at once: an error rate whose Wilson 95% interval lies wholly above `maxErrorRate` (so a
   * few unlucky failures of a good canary do not trip it, while a canary failing half its
   * requests is caught within a handful of them), a p95 latency or a quality below the criteria. A step
   * that lasted `stepDurationMs`, has `minSamples` requests and meets every criterion (error
   * rate as measured) moves on. Returns the transition, if any.
   */
  evaluate(now: number): CanaryTransition | undefined {
    if (this.state.status !== 'ramping') return undefined;
    const { criteria, minSamples, stepDurationMs, steps } = this.definition;
    const c = this.figures().candidate;
    const breach = this.#breach(c, Math.max(5, Math.ceil(minSamples / 10)));
    if (breach) return this.#move('rolled_back', this.state.step, now, breach.reason, breach.criterion);
    if (now - this.state.stepStartedAt < stepDurationMs || c.requests < minSamples) return undefined;
    if (criteria.maxErrorRate !== undefined && c.errorRate! > criteria.maxErrorRate) return undefined; // not proven bad, not good enough yet
    if (criteria.qualityMargin !== undefined && (this.#candidate.quality.count < 2 || this.#baseline.quality.count < 2)) return undefined;
    const next = this.state.step + 1;
    if (next >= steps.length) return this.#move('promoted', this.state.step, now, `every step met the criteria; promoted at ${steps.at(-1)}%`);
    return this.#move('ramping', next, now, `step ${steps[this.state.step]}% met the criteria after ${c.requests} requests`);
  }

  figures(): { candidate: CanaryStepFigures; baseline: CanaryStepFigures } {
    const of = (w: Window): CanaryStepFigures => ({
      requests: w.requests,
      errorRate: w.requests > 0 ? w.errors / w.requests : null,
      p95LatencyMs: quantile(w.latencies, 0.95) ?? null,
      qualityMean: w.quality.count > 0 ? w.quality.mean : null,
    });
    return { candidate: of(this.#candidate), baseline: of(this.#baseline) };
  }

  #breach(c: CanaryStepFigures, enough: number): { reason: string; criterion: CanaryTransition['criterion'] } | undefined {
    const { criteria } = this.definition;
    if (c.requests < enough) return undefined;
    const errors = this.#candidate.errors;
    if (criteria.maxErrorRate !== undefined && c.requests > 0 && proportionInterval(errors, c.requests)!.low > criteria.maxErrorRate) {
      return {
        criterion: 'error_rate',
        reason: `error rate ${(c.errorRate! * 100).toFixed(1)}% over ${c.requests} requests exceeds ${(criteria.maxErrorRate * 100).toFixed(1)}%`,
      };
    }
    if (criteria.maxP95LatencyMs !== undefined && c.p95LatencyMs! > criteria.maxP95LatencyMs) {
      return { criterion: 'p95_latency', reason: `p95 latency ${Math.round(c.p95LatencyMs!)} ms exceeds ${criteria.maxP95LatencyMs} ms` };
    }
    const q = this.#candidate.quality;
    const b = this.#baseline.quality;
    if (criteria.qualityMargin !== undefined && q.count >= enough && b.count >= enough && q.mean < b.mean - criteria.qualityMargin) {
      return { criterion: 'quality', reason: `quality ${q.mean.toFixed(3)} is more than ${criteria.qualityMargin} below the baseline's ${b.mean.toFixed(3)}` };
    }
    return undefined;
  }

  /**
   * An operator's decision: roll back, pass the current step (`next`; promoted after the last),
   * or promote at once. A promoted canary can still be rolled back; otherwise undefined when the
   * canary is no longer ramping (nothing to decide).
   */
  decide(decision: 'rollback' | 'next' | 'promote', now: number, reason: string): CanaryTransition | undefined {
    if (decision === 'rollback') return this.state.status === 'rolled_back' ? undefined : this.#move('rolled_back', this.state.step, now, reason, 'operator');
    if (this.state.status !== 'ramping') return undefined;
    const last = this.definition.steps.length - 1;
    if (decision === 'promote' || this.state.step >= last) return this.#move('promoted', last, now, reason, 'operator');
    return this.#move('ramping', this.state.step + 1, now, reason, 'operator');
  }

  #move(to: CanaryStatus, step: number, now: number, reason: string, criterion: CanaryTransition['criterion'] = 'criteria_met'): CanaryTransition {
    const from = this.state.status;
    const history = this.state.history ?? [];
    this.state = { id: this.state.id, status: to, step, stepStartedAt: now, reason, version: this.state.version + 1, history };
    const transition: CanaryTransition = { id: this.state.id, from, to, step, share: this.share, reason, criterion };
    this.state.history = [...history, { at: now, from, to, step, share: transition.share, reason, criterion }].slice(-HISTORY_LIMIT);
    this.#reset();
    return transition;
  }

  #reset(): void {
    this.#candidate = new Window();
    this.#baseline = new Window();
  }
}

/** Throw a TypeError naming the bad field of a canary definition. */
export function checkCanary(d: CanaryDefinition): void {
  if (!d || typeof d !== 'object') throw new TypeError('canary: must be an object');
  if (typeof d.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(d.id)) throw new TypeError('id: 1-64 letters, digits, ".", "_" or "-"');
  if (!Array.isArray(d.models) || d.models.length === 0 || d.models.some((m) => typeof m !== 'string'))
    throw new TypeError('models: a non-empty list of model names');
  for (const side of ['baseline', 'candidate'] as const) {
    const t = d[side];
    if (!t || typeof t.provider !== 'string' || !t.provider || typeof t.model !== 'string' || !t.model)
      throw new TypeError(`${side}: { provider, model } is required`);
  }
  if (d.steps !== undefined) {
    const ok =
      Array.isArray(d.steps) &&
      d.steps.length > 0 &&
      d.steps.every((s, i) => typeof s === 'number' && s > 0 && s <= 100 && (i === 0 || s > d.steps![i - 1]!)) &&
      d.steps.at(-1) === 100;
    if (!ok) throw new TypeError('steps: rising percentages ending at 100, e.g. [1, 5, 25, 50, 100]');
  }
  if (d.stepDurationMs !== undefined && !(Number.isFinite(d.stepDurationMs) && d.stepDurationMs >= 0))
    throw new TypeError('stepDurationMs: a duration of 0 or more');
  if (d.minSamples !== undefined && !(Number.isInteger(d.minSamples) && d.minSamples >= 1)) throw new TypeError('minSamples: an integer of at least 1');
  const c = d.criteria;
  if (!c || typeof c !== 'object') throw new TypeError('criteria: { maxErrorRate?, maxP95LatencyMs?, qualityMargin? } is required');
  for (const [k, max] of [
    ['maxErrorRate', 1],
    ['qualityMargin', 1],
    ['maxP95LatencyMs', Infinity],
  ] as const) {
    const v = c[k];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && v <= max)) throw new TypeError(`criteria.${k}: a number from 0${max === 1 ? ' to 1' : ''}`);
  }
}
