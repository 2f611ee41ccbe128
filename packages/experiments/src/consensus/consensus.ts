/**
 * Consensus routing: one request sent to several targets in parallel, the answer most of them
 * agree on returned, with how strongly they agreed.
 * @module
 */
import { GatewayError, type Exchange, type ExchangeMiddleware, type Target } from '@switchyard/core';
import { answerKey, chooseMethod, groupByKey, groupBySimilarity, readAnswer, tally, type Answer, type ConsensusMethod } from './agreement.js';
import { judgeAnswers } from './judge-pick.js';
import { capTargets } from './cost-cap.js';
import { addUsage, callTarget, type CallResult } from './fan-out.js';
import { CONSENSUS_HEADER, consensusHeader } from './header.js';
import { resolveConsensusOptions, type ConsensusOptions, type ConsensusRoute, type ResolvedConsensusOptions } from './options.js';
import { synthesiseStream } from './synthesise-stream.js';

/** The request header asking for consensus over `<n>` targets (a key allowed routing headers). */
export const CONSENSUS_REQUEST_HEADER = 'x-switchyard-consensus';

const FORMATS = new Set(['openai.chat', 'anthropic.messages']);
/** A/B tests and canaries compare one target per request: their requests are left alone. */
const ENROLLED = ['x-switchyard-experiment', 'x-switchyard-canary'];

/**
 * The consensus middleware. Place it after strategy selection and experiments, before the
 * executor: a request it takes on is answered here (the executor runs once per target, through
 * `execute`); any other request goes on unchanged.
 * @example
 * pipeline.push(strategySelector(...), exp.middleware, consensus({ execute: (ex) => executor(ex, async () => {}), routes: [{ id: 'vote', models: ['smart'] }] }), executor);
 */
export function consensus(options: ConsensusOptions): ExchangeMiddleware {
  const cfg = resolveConsensusOptions(options);
  return async function consensus(exchange: Exchange, next: () => Promise<void>): Promise<void> {
    const setup = FORMATS.has(exchange.format) && !ENROLLED.some((h) => exchange.responseHeaders[h]) ? plan(exchange, cfg) : undefined;
    if (!setup) return next();
    await vote(exchange, cfg, setup);
  };
}

interface Setup {
  route: ConsensusRoute;
  targets: Target[];
  capUsd: number | undefined;
}

/** Whether and how this request is put to a vote. */
function plan(exchange: Exchange, cfg: ResolvedConsensusOptions): Setup | undefined {
  const route = cfg.routes.find((r) => r.models.includes(exchange.requestedModel));
  const asked = requestedCount(exchange, cfg);
  if (!route && asked === undefined) return undefined;
  const chosen: ConsensusRoute = route ?? { id: 'request', models: [exchange.requestedModel] };
  const allowed = exchange.principal?.allowedProviders;
  const pool = (chosen.targets ?? exchange.plan?.targets ?? []).filter((t) => !allowed || allowed.includes(t.provider));
  const distinct = pool.filter((t, i) => pool.findIndex((o) => o.provider === t.provider && o.model === t.model) === i);
  const targets = distinct
    .slice(0, Math.min(asked ?? chosen.n ?? cfg.maxTargets, cfg.maxTargets))
    .map(({ provider, model, ...rest }) => ({ provider, model, ...(rest.byok ? { byok: true } : {}) }));
  if (targets.length < 2) {
    if (asked !== undefined)
      throw new GatewayError(`Consensus needs at least two targets; ${targets.length} can serve "${exchange.requestedModel}" here`, {
        status: 400,
        code: 'consensus_not_possible',
        param: CONSENSUS_REQUEST_HEADER,
      });
    return undefined;
  }
  const headerCap = cfg.allowRequest(exchange) ? positive(exchange.headers['x-max-cost-per-request']) : undefined;
  const caps = [chosen.maxCostUsd, headerCap].filter((c): c is number => c !== undefined);
  return { route: chosen, targets, capUsd: caps.length > 0 ? Math.min(...caps) : undefined };
}

/** `x-switchyard-consensus: <n>`: checked, bounded, and allowed for this caller. */
function requestedCount(exchange: Exchange, cfg: ResolvedConsensusOptions): number | undefined {
  const raw = exchange.headers[CONSENSUS_REQUEST_HEADER];
  if (raw === undefined) return undefined;
  const param = 'X-Switchyard-Consensus';
  if (!cfg.allowRequest(exchange))
    throw new GatewayError(`${param}: this key may not send routing headers`, { status: 403, code: 'routing_headers_not_allowed', param });
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < 2 || n > cfg.maxTargets)
    throw new GatewayError(`${param}: must be a whole number of targets from 2 to ${cfg.maxTargets}`, { status: 400, code: 'invalid_routing_header', param });
  return n;
}

function positive(raw: string | undefined): number | undefined {
  const n = raw === undefined ? NaN : Number(raw.trim());
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

async function vote(exchange: Exchange, cfg: ResolvedConsensusOptions, setup: Setup): Promise<void> {
  const { route } = setup;
  const { stream: _stream, stream_options: _options, ...body } = exchange.body;
  const capped = capTargets(setup.targets, { format: exchange.format, body }, cfg.estimateCost, setup.capUsd, cfg.defaultOutputTokens);
  if (capped.targets.length < 2) {
    const cheapest = capped.dropped
      .map((d) => d.estimatedUsd)
      .filter((u): u is number => u !== undefined)
      .sort((a, b) => a - b);
    const estimate = cheapest.length >= 2 ? `$${(cheapest[0]! + cheapest[1]!).toFixed(6)} for the two cheapest targets` : 'unknown (targets without a price)';
    throw new GatewayError(`Consensus would exceed the cost cap of $${setup.capUsd}: estimated ${estimate}. Lower max_tokens or raise the cap.`, {
      status: 400,
      code: 'consensus_cost_cap_exceeded',
      param: 'x-max-cost-per-request',
    });
  }
  const strategy = `consensus:${route.id}`;
  const n = capped.targets.length;
  exchange.plan = { strategy, targets: capped.targets.map((t, i) => ({ ...t, reason: `consensus ${i + 1}/${n}` })) };
  const calls = await Promise.all(
    capped.targets.map((target, i) =>
      callTarget(exchange, cfg.execute, target, { format: exchange.format, body, strategy, reason: `consensus ${i + 1}/${n}`, index: i + 1 }),
    ),
  );
  if (exchange.abortWatch.aborted) throw exchange.abortWatch.reason;

  const answered = calls.filter((c) => c.response);
  const quorum = Math.min(route.quorum ?? 2, n);
  if (answered.length === 0 || (answered.length < quorum && route.onNoQuorum === 'error')) {
    record(exchange, calls, [], undefined);
    if (answered.length === 0) throw calls[0]!.error;
    throw new GatewayError(`Only ${answered.length} of ${n} targets answered; consensus needs ${quorum}`, {
      status: 502,
      code: 'consensus_no_quorum',
      retryable: true,
    });
  }
  const answers = answered.map((c) => readAnswer(exchange.format, c.response!.body));
  const method = resolveMethod(route.method ?? 'auto', answers, body, cfg);
  const decided = await decide(exchange, cfg, answers, method, body);
  const chosen = answered[decided.chosen]!;
  record(exchange, calls, decided.extra, chosen);
  exchange.responseHeaders[CONSENSUS_HEADER] = consensusHeader({
    votes: decided.votes,
    answered: answered.length,
    failed: n - answered.length,
    method: decided.method,
    quorumMet: answered.length >= quorum,
    ...(decided.score !== undefined ? { score: decided.score } : {}),
  });
  exchange.responseHeaders['x-switchyard-provider'] = chosen.target.provider;
  exchange.responseHeaders['x-switchyard-model'] = chosen.target.model;
  exchange.responseHeaders['x-switchyard-attempts'] = String(exchange.attempts.length);
  const response = chosen.response!;
  if (!exchange.stream) {
    exchange.response = response;
    return;
  }
  const options = exchange.body.stream_options as { include_usage?: unknown } | undefined;
  exchange.response = { kind: 'stream', status: 200, headers: {}, events: synthesiseStream(exchange.format, response.body, options?.include_usage === true) };
}

function resolveMethod(
  method: ConsensusMethod,
  answers: Answer[],
  body: Record<string, unknown>,
  cfg: ResolvedConsensusOptions,
): Exclude<ConsensusMethod, 'auto'> {
  return method === 'auto'
    ? chooseMethod(answers, body, cfg.shortAnswerChars, { embedding: cfg.embedding !== undefined, judge: cfg.judge !== undefined })
    : method;
}

/** How the answer was decided: the chosen answer's index, its group's size, the extra model calls made. */
interface Decision {
  chosen: number;
  votes: number;
  method: Exclude<ConsensusMethod, 'auto'>;
  extra: CallResult[];
  score?: number;
}

/** By equality of keys: the largest group wins. */
function byKey(answers: Answer[], method: 'exact' | 'normalised' | 'json', extra: CallResult[] = []): Decision {
  const vote = tally(groupByKey(answers.map((a) => answerKey(a, method))));
  return { chosen: vote.chosen, votes: vote.votes, method, extra };
}

/**
 * Decide by the method. `embedding`: the largest group of similar answers; `judge`: the answer the
 * judge scores best (its agreement counted by equality); either falls back to equality when its
 * model call fails.
 */
async function decide(
  exchange: Exchange,
  cfg: ResolvedConsensusOptions,
  answers: Answer[],
  method: Exclude<ConsensusMethod, 'auto'>,
  body: Record<string, unknown>,
): Promise<Decision> {
  const equality = answers.some((a) => a.tools.length > 0) ? 'json' : 'normalised';
  if (method === 'judge' && cfg.judge) {
    const { call, scores } = await judgeAnswers(exchange, cfg.execute, cfg.judge, answers, body);
    if (!scores) {
      cfg.logger?.warn(
        { provider: cfg.judge.provider, model: cfg.judge.model, requestId: exchange.id },
        'consensus: judge call failed; answers compared by equality',
      );
      return byKey(answers, equality, [call]);
    }
    const chosen = scores.indexOf(Math.max(...scores));
    const groups = groupByKey(answers.map((a) => answerKey(a, equality)));
    return { chosen, votes: groups.filter((g) => g === groups[chosen]).length, method, extra: [call], score: scores[chosen]! };
  }
  if (method !== 'embedding' || !cfg.embedding) return byKey(answers, method === 'embedding' || method === 'judge' ? equality : method);
  const { provider, model, threshold } = cfg.embedding;
  const input = answers.map((a) => a.text || JSON.stringify(a.tools));
  const call = await callTarget(
    exchange,
    cfg.execute,
    { provider, model },
    { format: 'openai.embeddings', body: { model, input }, strategy: 'consensus:embedding', reason: 'consensus embedding', index: 0 },
  );
  const vectors = call.response ? embeddingsOf(call.response.body, input.length) : undefined;
  if (!vectors) {
    cfg.logger?.warn({ provider, model, requestId: exchange.id }, 'consensus: embedding call failed; answers compared by equality');
    return byKey(answers, equality, [call]);
  }
  const vote = tally(groupBySimilarity(vectors, threshold!));
  return { chosen: vote.chosen, votes: vote.votes, method, extra: [call] };
}

function embeddingsOf(body: string, count: number): number[][] | undefined {
  const data = (JSON.parse(body) as { data?: { index?: number; embedding?: unknown }[] }).data;
  if (!Array.isArray(data) || data.length !== count) return undefined;
  const sorted = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  return sorted.every((d) => Array.isArray(d.embedding)) ? sorted.map((d) => d.embedding as number[]) : undefined;
}

/**
 * Every call's tries go on the request (one log row, each try with its usage and cost); the
 * chosen answer's try last, so the row names the target that served. The request's usage is the
 * sum of every call's.
 */
function record(exchange: Exchange, calls: CallResult[], extra: CallResult[], chosen: CallResult | undefined): void {
  const ordered = [...extra, ...calls.filter((c) => c !== chosen), ...(chosen ? [chosen] : [])];
  for (const call of ordered) exchange.attempts.push(...call.attempts);
  const usage = addUsage(ordered.map((c) => c.usage));
  if (usage) exchange.usage = usage;
}
