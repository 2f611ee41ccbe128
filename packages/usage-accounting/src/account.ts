import type { Attempt, Cost, Exchange, Settlement, Usage } from '@switchyard/core';
import { clip, MAX_MODEL_NAME_LENGTH, timeOrderedId } from '@switchyard/core';
import { estimateUsage, jsonText, streamText, type TokenCounter } from './estimate.js';
import { computeCost, type CachePriceFallback, type UsagePriceLookup } from './pricing.js';
import type { AttemptLog } from './record.js';
import type { StoredRecord } from './store.js';
import { isEmptyUsage, usageFromJson, type StreamUsageObserver } from './usage-parse.js';

/** What the middleware saw of one exchange while it passed. */
export interface Observation {
  /** Set for stream responses. */
  stream?: {
    observer: StreamUsageObserver;
    phase: 'pending' | 'streaming' | 'completed' | 'errored' | 'aborted';
    firstEventAt?: number;
  };
  /** When `next()` returned (the response was ready). */
  readyAt?: number;
  /** The body as the client sent it (before `stream_options` was added). */
  clientBody: Record<string, unknown>;
}

/**
 * The attempt whose response reached the client: the last successful one, or for a stream
 * cut after its first byte, the last attempt that produced bytes. Failed attempts before it
 * are not billed.
 */
export function servingAttempt(exchange: Exchange): Attempt | undefined {
  const attempts = exchange.attempts;
  for (let i = attempts.length - 1; i >= 0; i--) if (attempts[i]!.outcome === 'success') return attempts[i];
  if (exchange.response && exchange.response.status < 400) {
    for (let i = attempts.length - 1; i >= 0; i--) if (attempts[i]!.firstByteAt !== undefined) return attempts[i];
  }
  return undefined;
}

/** Whether anything was served to the client (and so may be billed). */
export function wasServed(exchange: Exchange): boolean {
  return servingAttempt(exchange) !== undefined || (exchange.response !== undefined && exchange.response.status < 400);
}

/**
 * Usage of an exchange, from the best source there is: the provider's own report (on the
 * exchange, or seen in the response), else a tokenizer estimate flagged `estimated`.
 * Returns undefined when an estimate is needed but no tokenizer is loaded yet.
 */
export function resolveUsage(exchange: Exchange, obs: Observation, count: TokenCounter | undefined, estimate: boolean): Usage | undefined | 'needs-tokenizer' {
  const fromExchange = isEmptyUsage(exchange.usage) ? undefined : exchange.usage;
  const response = exchange.response;
  if (obs.stream) {
    const { observer, phase } = obs.stream;
    const reported = fromExchange ?? (isEmptyUsage(observer.usage) ? undefined : observer.usage);
    if (reported && (phase === 'completed' || observer.sawFinalUsage)) return reported;
    if (!estimate) return reported;
    if (!count) return 'needs-tokenizer';
    return estimateUsage(count, exchange.format, obs.clientBody, streamText(exchange.format, observer.data), reported);
  }
  if (fromExchange) return fromExchange;
  if (response?.kind === 'json') {
    const fromBody = usageFromJson(exchange.format, response.body);
    if (!isEmptyUsage(fromBody)) return fromBody;
    if (!estimate) return undefined;
    if (!count) return 'needs-tokenizer';
    return estimateUsage(count, exchange.format, obs.clientBody, jsonText(exchange.format, response.body), undefined);
  }
  return undefined;
}

/** Cost of an exchange's usage at the price of the target that served it. */
export function resolveCost(exchange: Exchange, usage: Usage | undefined, prices: UsagePriceLookup, fallback: CachePriceFallback): Cost {
  if (!wasServed(exchange)) return { usd: 0, currency: 'USD', breakdown: {} };
  const serving = servingAttempt(exchange);
  if (!serving) return { usd: null, reason: 'no attempt recorded: provider and model unknown' };
  if (!usage) return { usd: null, reason: 'no usage reported and estimation is off' };
  if (exchange.attempts.some((a) => a.usage)) return billedTriesCost(exchange.attempts, prices, fallback);
  const { provider, model } = serving.target;
  return computeCost(usage, prices(provider, model, usage), `${provider}/${model}`, fallback);
}

/** Cost of a request whose tries are each billed (consensus): every try's usage at its own target's price. */
function billedTriesCost(attempts: readonly Attempt[], prices: UsagePriceLookup, fallback: CachePriceFallback): Cost {
  let usd = 0;
  const breakdown: Record<string, number> = {};
  for (const a of attempts) {
    if (!a.usage) continue;
    const cost = attemptCost(a, prices, fallback)!;
    if (cost.usd === null) return cost;
    usd += cost.usd;
    for (const [k, v] of Object.entries(cost.breakdown ?? {})) breakdown[k] = (breakdown[k] ?? 0) + v;
  }
  return { usd: Math.round(usd * 1e12) / 1e12, currency: 'USD', breakdown };
}

function attemptCost(a: Attempt, prices: UsagePriceLookup, fallback: CachePriceFallback): Cost | undefined {
  if (!a.usage) return undefined;
  const { provider, model } = a.target;
  return computeCost(a.usage, prices(provider, model, a.usage), `${provider}/${model}`, fallback);
}

/** Build the log record of a settled exchange, with the uid it is stored under. */
export function buildRecord(
  exchange: Exchange,
  settlement: Settlement,
  obs: Observation,
  usage: Usage | undefined,
  cost: Cost,
  prices?: UsagePriceLookup,
  fallback: CachePriceFallback = 'null',
): StoredRecord {
  const serving = servingAttempt(exchange);
  const start = exchange.startedAt;
  const attempts: AttemptLog[] = exchange.attempts.map((a) => {
    const log: AttemptLog = {
      provider: a.target.provider,
      model: clip(a.target.model, MAX_MODEL_NAME_LENGTH),
      outcome: a.outcome,
      latencyMs: Math.max(0, (a.endedAt ?? settlement.endedAt) - a.startedAt),
    };
    if (a.failureKind !== undefined) log.failureKind = a.failureKind;
    if (a.status !== undefined) log.status = a.status;
    if (a.firstByteAt !== undefined) log.ttftMs = Math.max(0, a.firstByteAt - a.startedAt);
    log.startMs = Math.max(0, a.startedAt - start);
    if (a.role) log.role = a.role;
    if (a.deliveredChars !== undefined) log.deliveredChars = a.deliveredChars;
    if (a.hedgeLost) log.hedgeLost = true;
    if (a.usage) {
      log.usage = { input: a.usage.inputTokens, output: a.usage.outputTokens };
      if (prices) log.costUsd = attemptCost(a, prices, fallback)!.usd;
    }
    return log;
  });
  const firstAt = obs.stream ? obs.stream.firstEventAt : (serving?.firstByteAt ?? obs.readyAt);
  // With its uid: the writer queues it as it is, no copy waiting in the batch beside it.
  const record: StoredRecord = {
    uid: timeOrderedId(),
    id: exchange.id,
    time: start,
    keyId: exchange.principal?.id ?? null,
    keyName: exchange.principal?.name ?? null,
    // Client-sized: bounded before it is stored (a model name of megabytes must not reach the log).
    requestedModel: clip(exchange.requestedModel, MAX_MODEL_NAME_LENGTH),
    resolvedModel: serving ? clip(serving.target.model, MAX_MODEL_NAME_LENGTH) : null,
    provider: serving?.target.provider ?? null,
    strategy: exchange.plan?.strategy ?? null,
    attempts,
    status: settlement.status,
    outcome: settlement.outcome,
    latencyMs: Math.max(0, settlement.endedAt - start),
    ttftMs: firstAt === undefined ? null : Math.max(0, firstAt - start),
    usage: usage
      ? {
          input: usage.inputTokens,
          cacheRead: usage.cacheReadTokens,
          cacheWrite: usage.cacheWriteTokens,
          cacheWrite1h: usage.cacheWrite1hTokens ?? 0,
          output: usage.outputTokens,
          reasoning: usage.reasoningTokens,
          source: usage.source,
        }
      : null,
    costUsd: cost.usd,
    format: exchange.format,
    stream: exchange.stream,
  };
  if (cost.usd === null) record.costReason = cost.reason;
  else if (cost.breakdown) record.costBreakdown = cost.breakdown;
  if (exchange.clientRequestId !== undefined) record.clientRequestId = exchange.clientRequestId;
  if (!wasServed(exchange)) record.costReason = 'not billed: no attempt served the request';
  const error = settlement.error ?? exchange.error;
  if (error !== undefined) record.error = errorText(error);
  return record;
}

/**
 * Time Switchyard itself added: the wait for the client's first byte minus the time spent in
 * upstream attempts (whole failed attempts, and the serving attempt up to its first byte).
 */
export function overheadMs(exchange: Exchange, obs: Observation): number | undefined {
  const serving = servingAttempt(exchange);
  const firstAt = obs.stream ? obs.stream.firstEventAt : obs.readyAt;
  if (!serving || firstAt === undefined) return undefined;
  let upstream = 0;
  for (const a of exchange.attempts) {
    if (a === serving) upstream += (obs.stream ? (a.firstByteAt ?? a.endedAt ?? firstAt) : (a.endedAt ?? a.firstByteAt ?? firstAt)) - a.startedAt;
    else if (a.endedAt !== undefined) upstream += a.endedAt - a.startedAt;
  }
  return Math.max(0, firstAt - exchange.startedAt - upstream);
}

const SECRETISH = /\b(?:sk|rk|pk)-[A-Za-z0-9_-]{8,}/g;

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : typeof err === 'string' ? err : 'error';
  return text.replace(SECRETISH, '[REDACTED]').slice(0, 500);
}
