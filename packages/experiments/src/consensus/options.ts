import type { Exchange, Logger, Target } from '@switchyard/core';
import type { ConsensusMethod } from './agreement.js';
import type { CostEstimator } from './cost-cap.js';

/** What happens when fewer targets answer than the quorum. */
export type NoQuorum = 'best_available' | 'error';

/** Which requests get a consensus answer, and how. */
export interface ConsensusRoute {
  /** Name, shown in the plan's strategy (`consensus:<id>`). */
  id: string;
  /** Requested model names (aliases as the client sends them) this route applies to. */
  models: string[];
  /** Targets asked in parallel. Defaults to the strategy's plan (its distinct targets, in order). */
  targets?: Target[];
  /** How many of the targets are asked (at most the piece's `maxTargets`). Defaults to all of them. */
  n?: number;
  /** How answers are compared. Defaults to `auto`. */
  method?: ConsensusMethod;
  /** Answers needed for a vote. Defaults to 2 (at most the number of targets asked). */
  quorum?: number;
  /** Fewer answers than the quorum: return the best available answer, or an error. Defaults to `best_available`. */
  onNoQuorum?: NoQuorum;
  /** Largest estimated cost of one request, all targets together, USD. Defaults to no cap. */
  maxCostUsd?: number;
}

/** An embedding model that groups free-text answers by similarity. */
export interface ConsensusEmbedding {
  provider: string;
  model: string;
  /** Cosine similarity at which two answers agree. Defaults to 0.9. */
  threshold?: number;
}

/** A judge model that scores free-text answers (`judge` method: the best score wins). */
export interface ConsensusJudge {
  provider: string;
  model: string;
  /** What a good answer is. Defaults to a rubric of correctness, completeness, clarity and safety. */
  rubric?: string;
}

/** Options of {@link consensus}. */
export interface ConsensusOptions {
  /**
   * Runs one upstream call: the executor (failover) and whatever must come with it (provider
   * limits), applied to a child exchange whose plan names one target. Required.
   */
  execute: (exchange: Exchange) => Promise<void>;
  /** Consensus by requested model. Defaults to none (only the request header turns it on). */
  routes?: ConsensusRoute[];
  /** Most targets one request may be sent to. Defaults to 5. */
  maxTargets?: number;
  /** A target's estimated cost of a request (catalog prices). Defaults to unknown for every target. */
  estimateCost?: CostEstimator;
  /** Output tokens assumed for the cost estimate when the request sets no `max_tokens`. Defaults to 1024. */
  defaultOutputTokens?: number;
  /** Answers up to this many characters are compared as short answers (`normalised`) by `auto`. Defaults to 280. */
  shortAnswerChars?: number;
  /** Embedding model for free-text agreement (`embedding` method; `auto` for long answers). Defaults to none. */
  embedding?: ConsensusEmbedding;
  /** Judge model for best-score selection (`judge` method; `auto` for long answers without an embedding model). Defaults to none. */
  judge?: ConsensusJudge;
  /**
   * Whether a request may ask for consensus itself (`x-switchyard-consensus: <n>`) and cap its
   * cost (`x-max-cost-per-request`). Defaults to: no principal (no auth), or a key allowed to send
   * routing headers.
   */
  allowRequest?: (exchange: Exchange) => boolean;
  /** Logs a failed embedding or judge call (the vote falls back to equality). Defaults to none. */
  logger?: Logger;
}

const METHODS: readonly ConsensusMethod[] = ['auto', 'exact', 'normalised', 'json', 'embedding', 'judge'];

/** @internal */
export type ResolvedConsensusOptions = Required<Omit<ConsensusOptions, 'embedding' | 'judge' | 'logger'>> &
  Pick<ConsensusOptions, 'embedding' | 'judge' | 'logger'>;

/** @internal */
export function resolveConsensusOptions(options: ConsensusOptions): ResolvedConsensusOptions {
  if (typeof options?.execute !== 'function') throw new TypeError('consensus: execute must be a function');
  const maxTargets = options.maxTargets ?? 5;
  if (!Number.isInteger(maxTargets) || maxTargets < 2) throw new TypeError('consensus: maxTargets must be an integer of at least 2');
  for (const route of options.routes ?? []) {
    const where = `consensus: route "${route.id}"`;
    if (!Array.isArray(route.models) || route.models.length === 0) throw new TypeError(`${where}: models must list at least one model`);
    if (route.n !== undefined && (!Number.isInteger(route.n) || route.n < 2 || route.n > maxTargets))
      throw new TypeError(`${where}: n must be an integer in [2, ${maxTargets}]`);
    if (route.targets && (route.targets.length < 2 || route.targets.length > maxTargets))
      throw new TypeError(`${where}: targets must list 2 to ${maxTargets} targets`);
    if (route.quorum !== undefined && (!Number.isInteger(route.quorum) || route.quorum < 1)) throw new TypeError(`${where}: quorum must be a positive integer`);
    if (route.maxCostUsd !== undefined && !(route.maxCostUsd > 0)) throw new TypeError(`${where}: maxCostUsd must be positive`);
    if (route.method !== undefined && !METHODS.includes(route.method)) throw new TypeError(`${where}: method must be one of ${METHODS.join(', ')}`);
    if (route.onNoQuorum !== undefined && route.onNoQuorum !== 'best_available' && route.onNoQuorum !== 'error')
      throw new TypeError(`${where}: onNoQuorum must be best_available or error`);
    if (route.method === 'embedding' && !options.embedding) throw new TypeError(`${where}: method embedding needs an embedding model`);
    if (route.method === 'judge' && !options.judge) throw new TypeError(`${where}: method judge needs a judge model`);
  }
  const threshold = options.embedding?.threshold ?? 0.9;
  if (options.embedding && !(threshold > 0 && threshold <= 1)) throw new TypeError('consensus: embedding.threshold must be in (0, 1]');
  return {
    execute: options.execute,
    routes: options.routes ?? [],
    maxTargets,
    estimateCost: options.estimateCost ?? (() => undefined),
    defaultOutputTokens: options.defaultOutputTokens ?? 1024,
    shortAnswerChars: options.shortAnswerChars ?? 280,
    ...(options.embedding ? { embedding: { ...options.embedding, threshold } } : {}),
    ...(options.judge ? { judge: options.judge } : {}),
    allowRequest: options.allowRequest ?? ((exchange) => !exchange.principal || exchange.principal.allowRoutingHeaders === true),
    ...(options.logger ? { logger: options.logger } : {}),
  };
}
