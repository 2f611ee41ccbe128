/**
 * The experiments piece: A/B tests in the pipeline (after strategy selection, before the
 * executor) and the ratings clients give their requests.
 * @module
 */
import type { Exchange, ExchangeMiddleware } from '@switchyard/core';
import type { ExperimentDefinition, ExperimentReport } from './ab-test.js';
import { abTests, armPlan } from './ab-tests.js';
import { parseFeedback, qualityGroups, rateRequest, type Feedback, type QualityGroup, type RatedRequest } from './feedback.js';
import { resolveOptions, type ExperimentsOptions } from './options.js';
import { canaries as canaryPiece, type Canaries } from './canaries.js';
import { categoriser, routeByCategory, CATEGORY_HEADER } from './categories.js';
import { classifier as buildClassifier, type Classifier } from './classifier.js';
import { judge as buildJudge, type Judge } from './judge.js';
import { measuredQuality as qualityReader } from './measured-quality.js';
import { STRATEGY_OVERRIDE } from './strategy-override.js';

/** The response header naming the experiment and arm that served a request. */
export const EXPERIMENT_HEADER = 'x-switchyard-experiment';

/** Requests remembered (per process) to credit a later rating to their arm. */
const REMEMBERED = 100_000;

/** Where an exchange keeps its category (a promise: the classifier may be asked). */
const CATEGORY = Symbol('switchyard.experiments.category');

interface Enrolment extends RatedRequest {
  /** Credit a first rating to the arm (A/B test or canary) that served the request. */
  credit(score: number): void;
}

/** The experiments piece of a pipeline, and its operations (for routes and tests). */
export interface Experiments {
  /** The pipeline middleware: place it after strategy selection, before the executor. */
  middleware: ExchangeMiddleware;
  /** Start an experiment (409 when the id is taken by a running one). */
  start(definition: ExperimentDefinition): Promise<ExperimentReport>;
  stop(id: string): Promise<ExperimentReport>;
  /** Record an operator's decision: stops the experiment and names the winning arm. */
  declare(id: string, arm: string): Promise<ExperimentReport>;
  report(id: string): Promise<ExperimentReport>;
  list(): Promise<ExperimentReport[]>;
  /** Rate a request on behalf of `principalId` (see {@link parseFeedback} for the body). */
  rate(body: Record<string, unknown>, headerId: string | undefined, principalId: string | null): Promise<Feedback>;
  /** Mean rating per provider/model/category over [from, to). */
  quality(from: number, to: number): Promise<QualityGroup[]>;
  /** Canary rollouts. */
  canaries: Canaries;
  /**
   * The request's category (cached on the exchange; sets `x-switchyard-category`; ratings of the
   * request carry it): the classifier model's answer when configured, else the rules.
   */
  categorise(exchange: Exchange): Promise<string>;
  /** Measured mean rating of a target for a category (last 30 days, all sources), undefined when unmeasured. */
  measuredQuality(category: string, provider: string, model: string): number | undefined;
  /** The classifier model, when configured. */
  classifier?: Classifier;
  /** The judge model, when configured. */
  judge?: Judge;
  /** Load experiments and canaries from the stores (creating configured ones) and start their periodic re-read and check. */
  ready(): Promise<void>;
  /** Stop the periodic check. */
  close(): void;
}

/**
 * Build the experiments piece.
 * @example
 * const exp = experiments({ tests: [{ id: 'mini-vs-haiku', match: { models: ['fast'] }, arms: [...] }] });
 * pipeline.push(strategySelector(...), exp.middleware, failover(...));
 */
export function experiments(options: ExperimentsOptions = {}): Experiments {
  const cfg = resolveOptions(options);
  const enrolled = new Map<string, Enrolment>();
  const tests = abTests({
    ...(cfg.experimentStore ? { store: cfg.experimentStore } : {}),
    ...(cfg.beforeFigures ? { beforeFigures: cfg.beforeFigures } : {}),
    tests: cfg.tests,
    defaults: { minSamples: cfg.minSamples, alpha: cfg.alpha },
    now: cfg.now,
  });

  const canaryRoutes = canaryPiece({
    ...(cfg.canaryStore ? { store: cfg.canaryStore } : {}),
    ...(cfg.onCanaryTransition ? { onTransition: cfg.onCanaryTransition } : {}),
    ...(cfg.logger ? { logger: cfg.logger } : {}),
    random: cfg.random,
    now: cfg.now,
  });
  let timer: NodeJS.Timeout | undefined;
  const rules = categoriser(cfg.categoryRules);
  // What the classifier and the judge share: the model call, the clock, and where the spend of
  // every instance is added up.
  const background = cfg.call && {
    call: cfg.call,
    random: cfg.random,
    now: cfg.now,
    ...(cfg.logger ? { logger: cfg.logger } : {}),
    ...(cfg.spendStore ? { spendStore: cfg.spendStore } : {}),
  };
  const classifier = cfg.classifier && background ? buildClassifier(cfg.classifier, { ...background, rules }) : undefined;
  const judge = cfg.judge && background ? buildJudge(cfg.judge, { ...background, store: cfg.feedbackStore }) : undefined;
  const categorising = cfg.categoryRules.length > 0 || Object.keys(cfg.categoryRoutes).length > 0 || classifier !== undefined;
  const categorise = (exchange: Exchange): Promise<string> => {
    let found = exchange.locals.get(CATEGORY) as Promise<string> | undefined;
    if (!found) {
      found = (classifier ? classifier.classify(exchange.body).then((r) => r.category) : Promise.resolve(rules(exchange.body))).then((category) => {
        exchange.responseHeaders[CATEGORY_HEADER] = category;
        return category;
      });
      exchange.locals.set(CATEGORY, found);
    }
    return found;
  };
  // Measured quality per category/provider/model (last 30 days, every source), off the request path.
  const measuredQuality = qualityReader(cfg.feedbackStore, { now: cfg.now, ...(cfg.logger ? { logger: cfg.logger } : {}) });

  const remember = (id: string, enrolment: Enrolment) => {
    if (enrolled.size >= REMEMBERED) enrolled.delete(enrolled.keys().next().value!);
    enrolled.set(id, enrolment);
  };

  const middleware = async function experiments(exchange: Exchange, next: () => Promise<void>): Promise<void> {
    const principal = exchange.principal;
    // Labelled when categorising is on, or when an earlier piece (the strategy override) asked.
    const category = categorising || exchange.locals.has(CATEGORY) ? await categorise(exchange) : undefined;
    // The client's own strategy (when its key may override routing) is not re-planned here.
    const overridden = exchange.locals.has(STRATEGY_OVERRIDE);
    let credit = overridden ? undefined : enrolInTest(exchange);
    if (credit === undefined && !overridden) {
      if (category !== undefined) routeByCategory(exchange, category, cfg.categoryRoutes, measuredQuality, cfg.price);
      const canaried = canaryRoutes.route(exchange);
      if (canaried) credit = (score) => canaried.canary.recordQuality(canaried.arm, score);
    }
    const target = exchange.plan?.targets[0];
    const remembered: Enrolment = {
      credit: credit ?? (() => {}),
      principalId: principal?.id ?? null,
      provider: target?.provider ?? null,
      model: target?.model ?? null,
      category: category ?? null,
    };
    if (credit || category !== undefined) remember(exchange.id, remembered);
    const tap = judge?.consider(
      exchange,
      () => category ?? null,
      (score) => {
        remembered.credit(score);
        measuredQuality.stale();
      },
    );
    await next();
    tap?.();
  };

  /** Enrol the exchange into the first running A/B test it matches (its arm's target alone); returns how to credit its ratings. */
  const enrolInTest = (exchange: Exchange): ((score: number) => void) | undefined => {
    const principal = exchange.principal;
    const metadata = isRecord(exchange.body.metadata) ? exchange.body.metadata : undefined;
    const facts = { model: exchange.requestedModel, principalId: principal?.id, metadata };
    for (const test of tests.match(facts)) {
      const arm = test.assign(stickyId(exchange, metadata), cfg.random);
      // A key confined to some providers is not enrolled into an arm it may not reach.
      if (principal?.allowedProviders && !principal.allowedProviders.includes(arm.provider)) continue;
      armPlan(exchange, test, arm);
      exchange.responseHeaders[EXPERIMENT_HEADER] = `${test.definition.id}/${arm.name}`;
      // Figures read from the request log need no counting here.
      if (!tests.countsInProcess) return () => {};
      exchange.onSettled((ex, settlement) => {
        if (settlement.outcome === 'aborted') return; // the client left: says nothing about the arm
        const first = ex.attempts[0];
        test.record(arm.name, {
          success: settlement.outcome === 'completed' && settlement.status < 400,
          latencyMs: settlement.endedAt - ex.startedAt,
          ...(first?.firstByteAt !== undefined ? { ttftMs: first.firstByteAt - ex.startedAt } : {}),
          ...(ex.cost && ex.cost.usd !== null ? { costUsd: ex.cost.usd } : {}),
        });
      });
      return (score) => test.recordQuality(arm.name, score);
    }
    return undefined;
  };

  return {
    middleware,
    start: (definition) => tests.start(definition),
    stop: (id) => tests.stop(id),
    declare: (id, arm) => tests.declare(id, arm),
    report: (id) => tests.report(id),
    list: () => tests.list(),
    async rate(body, headerId, principalId) {
      const input = parseFeedback(body, headerId);
      const local = enrolled.get(input.requestId);
      const lookup = async (requestId: string) => {
        const found = cfg.lookup ? ((await cfg.lookup(requestId)) ?? local) : local;
        return found && { ...found, category: found.category ?? local?.category ?? null };
      };
      const previous = await cfg.feedbackStore.get(input.requestId);
      const feedback = await rateRequest(input, principalId, { lookup, store: cfg.feedbackStore, now: cfg.now });
      // A first rating counts towards its arm's quality; a changed rating does not count twice.
      if (local && !previous) local.credit(feedback.score);
      measuredQuality.stale();
      return feedback;
    },
    async quality(from, to) {
      return qualityGroups(await cfg.feedbackStore.sums(from, to));
    },
    canaries: canaryRoutes,
    categorise,
    measuredQuality,
    ...(classifier ? { classifier } : {}),
    ...(judge ? { judge } : {}),
    async ready() {
      await tests.refresh();
      await canaryRoutes.refresh();
      const known = new Set(canaryRoutes.list().map((c) => c.definition.id));
      for (const definition of cfg.canaries) if (!known.has(definition.id)) await canaryRoutes.create(definition);
      if (cfg.canaryEvaluationMs > 0 && !timer) {
        timer = setInterval(() => {
          canaryRoutes.evaluate().catch((err: unknown) => cfg.logger?.error({ err: String((err as Error)?.message ?? err) }, 'canary evaluation failed'));
          tests.refresh().catch((err: unknown) => cfg.logger?.error({ err: String((err as Error)?.message ?? err) }, 'experiments not re-read'));
        }, cfg.canaryEvaluationMs);
        timer.unref();
      }
    },
    close() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The id that keeps a caller on one arm: `x-session-id`, the body's `user`, or `metadata.user_id`. */
function stickyId(exchange: Exchange, metadata: Record<string, unknown> | undefined): string | undefined {
  const session = exchange.headers['x-session-id'];
  if (typeof session === 'string' && session !== '') return `s:${session}`;
  if (typeof exchange.body.user === 'string' && exchange.body.user !== '') return `u:${exchange.body.user}`;
  if (typeof metadata?.user_id === 'string' && metadata.user_id !== '') return `u:${metadata.user_id}`;
  return undefined;
}
