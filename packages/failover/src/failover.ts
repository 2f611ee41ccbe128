import type { Attempt, Exchange, ExchangeMiddleware, FailureKind, SseEvent, Target, Usage } from '@switchyard/core';
import { linkAbort, type AbortWatch, type LinkedAbort } from '@switchyard/core';
import {
  isProviderError,
  ProviderError,
  TransportError,
  type HttpTransport,
  type InvokeContext,
  type ProviderAdapter,
  type ProviderCall,
  type ProviderResult,
  type StreamResult,
  type TransportTimeouts,
} from '@switchyard/providers';
import { AttemptDeadlineError, withinDeadline } from './attempt-deadline.js';
import { callDeadline, deadlinesFor, narrow, type Deadlines } from './deadlines.js';
import { decide, type Decision } from './decision.js';
import { finalError, type FailureRecord } from './final-error.js';
import { resolveOptions, type FailoverOptions, type ResolvedOptions } from './options.js';
import { resolveNamedTargets } from './named-targets.js';
import { requestPlan, type RequestPlan, type RunTarget } from './request-plan.js';
import { transcriptFor } from './prefill.js';
import { continuedStream } from './stream-continuation.js';
import { checkFirstEvent, sumUsage } from './stream-segments.js';
import { guardStream } from './stream-guard.js';
import { HedgeState } from './hedge.js';
import { markForRetry, TargetPolicies, type BreakerSnapshot, type TargetEntry } from './target-policies.js';

/** The failover middleware, with a view of its breakers for the admin API. */
export type FailoverMiddleware = ExchangeMiddleware & {
  /** Breaker state of every target this instance has seen (its own breakers only). */
  breakerStates(): BreakerSnapshot[];
  /**
   * What routing honours for a target: this instance's breaker and cool-down, else one another
   * instance shared through the store (`shared: true`). For admin views of several instances.
   */
  routingState(target: Target): Promise<BreakerSnapshot>;
};

/** Upstream headers never forwarded to the client (framing is ours). */
const HOP_HEADERS = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'content-encoding',
  'content-type',
  'date',
  'server',
  'set-cookie',
]);

/**
 * The executor (ARCHITECTURE.md §2, execution phase): tries the plan's targets in order through one
 * shared cockatiel policy per target (retry + circuit breaker, a timeout per attempt), decides
 * retry / fail over / stop by failure kind, and answers with the first target that served.
 * It is the terminal piece: it never calls `next`.
 *
 * Reads `plan` (else `candidates`, else its own `targets` option), `body`, `stream`, `headers`, `signal`, `principal`;
 * writes `attempts`, `response`, `usage`, and `x-switchyard-provider` / `-model` / `-attempts`.
 *
 * @example
 * app.use(toKoa(failover({ adapters, transport: createUndiciTransport(), events })));
 */
export function failover(options: FailoverOptions): FailoverMiddleware {
  const cfg = resolveOptions(options);
  const policies = new TargetPolicies(cfg.breaker, cfg.events, cfg.now, cfg.shared, cfg.logger);
  const hedge = cfg.hedge ? new HedgeState(cfg.hedge, cfg.now) : undefined;
  const middleware = async function failover(exchange: Exchange): Promise<void> {
    if (cfg.targets && !exchange.plan && !exchange.candidates?.length) exchange.candidates = await resolveNamedTargets(cfg.targets, exchange);
    const plan = requestPlan(exchange, cfg);
    await new Run(exchange, plan, cfg, policies, hedge).execute();
  };
  return Object.assign(middleware, { breakerStates: () => policies.snapshot(), routingState: (target: Target) => policies.routingState(target) });
}

const targetKey = (t: Target) => `${t.provider}:${t.model}`;

/** A try that answered: `stopUpstream` cuts its upstream call, `release` lets go of it once read to the end. */
type Served = { result: ProviderResult; attempt: Attempt; stopUpstream: () => void; release: () => void };
type Outcome = { served: Served } | { error: ProviderError; decision: Decision };
/** A plan target ready to be tried. */
type Candidate = { index: number; run: RunTarget; adapter: ProviderAdapter; entry: TargetEntry };
/** Thrown inside a try that lost a hedge race: not a provider failure, never counted. */
const HEDGE_LOST = new Error('Lost the hedge race');

/**
 * An attempt's invoke context: `signal` is built only if the adapter reads it (built-in adapters
 * follow `abort`). A class, not an object literal with a getter: a literal's getter is a closure
 * per call, and V8 gave each such object a map of its own in the old generation, which kept the
 * request's objects alive until a full GC.
 */
class AttemptContext implements InvokeContext {
  constructor(
    readonly transport: HttpTransport,
    readonly abort: LinkedAbort,
    readonly timeouts: Partial<TransportTimeouts>,
    readonly now: () => number,
  ) {}

  get signal(): AbortSignal {
    return this.abort.signal;
  }
}

/** One request's walk through its targets. */
class Run {
  /** The client's abort and the request's deadline, as one link (no AbortSignal unless one is asked for). */
  readonly #link: LinkedAbort;
  readonly #startedAt: number;
  /** The request's deadline (the configured total, narrowed by the client's). */
  readonly #totalMs: number;
  #attempts = 0;
  /** Targets that refused the request as too long, and the largest known window among them. */
  readonly #tooLong = new Set<string>();
  #tooLongWindow: number | undefined;
  readonly #failures: FailureRecord[] = [];
  /** Plan indexes already tried as a hedge (not tried again by the walk). */
  readonly #hedged = new Set<number>();
  /** Usage of hedge tries that answered but lost: billed, so counted. */
  readonly #lostUsage: Array<() => Usage | undefined> = [];

  constructor(
    private readonly exchange: Exchange,
    private readonly plan: RequestPlan,
    private readonly cfg: ResolvedOptions,
    private readonly policies: TargetPolicies,
    private readonly hedge?: HedgeState,
  ) {
    this.#startedAt = cfg.now();
    this.#totalMs = narrow(cfg.timeouts.totalMs, plan.timeouts?.totalMs);
    // linkAbort, not AbortSignal.any: Node 20's any() costs weak refs and finalizers per call.
    this.#link = linkAbort([exchange.abortWatch], this.#totalMs, deadlineExceeded);
    exchange.onSettled(() => this.#clear());
  }

  async execute(): Promise<void> {
    const { exchange, cfg } = this;
    let previous: { target: Target; kind: FailureKind } | undefined;
    try {
      for (const [index, run] of this.plan.targets.entries()) {
        if (this.#attempts >= this.plan.maxAttempts || this.#link.aborted) break;
        const { target } = run;
        if (this.#hedged.has(index) || (previous && !this.#mayFailOverTo(run, previous))) continue;
        const adapter = cfg.adapter(target.provider);
        if (!adapter || !adapter.supports(exchange.format)) {
          this.#failures.push({ target, skipped: adapter ? 'unsupported_format' : 'unknown_provider' });
          continue;
        }
        const entry = this.policies.entry(target);
        const skip = await this.policies.skipReason(entry);
        if (skip) {
          this.#failures.push({ target, skipped: skip.reason, untilMs: skip.untilMs });
          continue;
        }
        if (previous) cfg.events?.emit('failover', { exchange, from: previous.target, to: target, kind: previous.kind });
        const candidate = { index, run, adapter, entry };
        const { outcome, by } =
          this.hedge && exchange.stream ? await this.#tryHedged(candidate) : { outcome: await this.#tryTarget(run, adapter, entry), by: candidate };
        if ('served' in outcome) {
          this.#respond(by.index, by.run, by.entry, outcome.served);
          return;
        }
        const { error, decision } = outcome;
        this.#failures.push({ target, error, stopped: decision.action === 'stop' && decision.reason === 'kind' });
        if (decision.action === 'stop') break;
        previous = { target, kind: error.failureKind };
        if (error.failureKind === 'context_length') this.#refusedAsTooLong(target);
      }
    } catch (err) {
      this.#clear();
      throw err;
    }
    this.#clear();
    if (exchange.abortWatch.aborted) throw exchange.abortWatch.reason;
    exchange.responseHeaders['x-switchyard-attempts'] = String(this.#attempts);
    cfg.events?.emit('giveup', { exchange, attempts: exchange.attempts });
    throw finalError(this.#failures, cfg.now());
  }

  #mayFailOverTo(run: RunTarget, previous: { kind: FailureKind }): boolean {
    if (run.conditions && !run.conditions.has(previous.kind)) return false;
    if (this.#tooLong.size > 0 && this.cfg.kinds.context_length.failover === 'larger_context') {
      // Once a target found the request too long, only a larger or unknown window may take it;
      // a window known to be no larger would refuse it too, and a refusing target never again.
      if (this.#tooLong.has(targetKey(run.target))) return false;
      const window = this.cfg.contextWindow(run.target);
      return window === undefined || this.#tooLongWindow === undefined || window > this.#tooLongWindow;
    }
    return true;
  }

  #refusedAsTooLong(target: Target): void {
    this.#tooLong.add(targetKey(target));
    const window = this.cfg.contextWindow(target);
    if (window !== undefined) this.#tooLongWindow = Math.max(this.#tooLongWindow ?? 0, window);
  }

  /**
   * Try one target with its retries. `cancel` stops it (it lost a hedge race): the try in
   * flight ends `aborted`, no retry follows, and the outcome is a plain failover.
   */
  async #tryTarget(run: RunTarget, adapter: ProviderAdapter, entry: TargetEntry, cancel?: AbortSignal, role?: Attempt['role']): Promise<Outcome> {
    const { exchange, cfg } = this;
    const { target } = run;
    const tries = cancel ? linkAbort([this.#link, cancel]) : undefined;
    const scope = tries ?? this.#link;
    const call = await this.#call(target, exchange.body);
    const deadlines = this.#deadlines(target);
    const attemptMs = narrow(callDeadline(deadlines, exchange.stream), run.maxLatencyMs);
    let retries = 0;
    let delayMs = 0;
    let lastKind: FailureKind = 'server_error';
    let last: { error: ProviderError; decision: Decision } | undefined;
    try {
      let calls = 0;
      // No signal for cockatiel: it would only read `aborted`, and an aborted run's error is never
      // marked for retry.
      const served = await entry.policy.execute(async (): Promise<Served> => {
        const n = calls++;
        if (n > 0) {
          cfg.events?.emit('retry', { exchange, target, attempt: n, delayMs, kind: lastKind });
          if (delayMs > 0) await cfg.sleep(delayMs, scope.signal);
        }
        if (cancel?.aborted) throw HEDGE_LOST;
        const { attempt, upstream } = this.#startAttempt(target, scope, role);
        try {
          const result = await this.#invoke(adapter, call, upstream, attemptMs, deadlines);
          attempt.firstByteAt = result.firstByteAt;
          return { result, attempt, stopUpstream: () => upstream.abort(), release: () => upstream.dispose() };
        } catch (err) {
          if (cancel?.aborted && !exchange.abortWatch.aborted) {
            upstream.abort();
            attempt.hedgeLost = true;
            this.#endAttempt(attempt, 'aborted');
            throw HEDGE_LOST;
          }
          const error = this.#failAttempt(attempt, upstream, err, attemptMs);
          if (error.notSent) {
            // The request itself could not be sent: no other try or target would do better.
            last = { error, decision: { action: 'stop', reason: 'kind' } };
            throw error;
          }
          if (error.failureKind === 'rate_limited' && error.retryAfterMs) this.policies.cooldown(entry, error.retryAfterMs);
          const rule = cfg.kinds[error.failureKind];
          const decision = decide({
            kind: error.failureKind,
            status: error.upstreamStatus,
            retryAfterMs: error.retryAfterMs,
            rule: this.plan.retrySameTarget ? rule : { ...rule, retries: 0 },
            retriesOnTarget: retries,
            attemptsLeft: this.plan.maxAttempts - this.#attempts,
            deadlineLeftMs: this.#totalMs > 0 ? this.#startedAt + this.#totalMs - cfg.now() : Infinity,
            retryCodes: cfg.retryCodes,
            maxRetryAfterMs: cfg.maxRetryAfterMs,
            backoff: cfg.backoff,
            random: cfg.random,
            aborted: this.#link.aborted && !this.#link.timedOut,
          });
          last = { error, decision };
          lastKind = error.failureKind;
          markForRetry(error, decision.action === 'retry');
          if (decision.action === 'retry') {
            retries++;
            delayMs = decision.delayMs;
          }
          throw error;
        }
      });
      return { served };
    } catch (err) {
      if (exchange.abortWatch.aborted) throw exchange.abortWatch.reason;
      if (cancel?.aborted)
        return { error: new ProviderError(HEDGE_LOST.message, { kind: 'timeout', provider: target.provider }), decision: { action: 'failover' } };
      if (last && err === last.error) return last;
      // The breaker refused (opened by a concurrent request) or the retry wait was cut short.
      const error = this.#link.timedOut
        ? new ProviderError('Request deadline exceeded', { kind: 'timeout', provider: target.provider })
        : (last?.error ?? new ProviderError('Circuit open', { kind: 'overloaded', provider: target.provider, cause: err }));
      return { error, decision: this.#link.timedOut ? { action: 'stop', reason: 'deadline' } : (last?.decision ?? { action: 'failover' }) };
    } finally {
      tries?.dispose();
    }
  }

  /**
   * Try `first`, and if it has sent no event after the hedge delay (and the budget allows),
   * the next available target in parallel: the first to answer wins, the other is cancelled at
   * once (its upstream aborted; usage it reported still counted). Both failing is `first`'s
   * failure (the hedge's is recorded too, and its target is not tried again).
   */
  async #tryHedged(first: Candidate): Promise<{ outcome: Outcome; by: Candidate }> {
    const delay = this.hedge!.delayFor(first.entry.key);
    if (delay === undefined) return { outcome: await this.#tryTarget(first.run, first.adapter, first.entry), by: first };
    const cancelFirst = new AbortController();
    const a = this.#tryTarget(first.run, first.adapter, first.entry, cancelFirst.signal);
    let timer: NodeJS.Timeout | undefined;
    const slow = await Promise.race([a.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(resolve, delay, true)))]);
    clearTimeout(timer);
    const second = slow && this.#attempts < this.plan.maxAttempts ? await this.#hedgeCandidate(first.index) : undefined;
    if (!second || !this.hedge!.take()) return { outcome: await a, by: first };
    this.#hedged.add(second.index);
    const cancelSecond = new AbortController();
    const b = this.#tryTarget(second.run, second.adapter, second.entry, cancelSecond.signal, 'hedge');
    const racers = [a.then((outcome) => ({ i: 0, outcome })), b.then((outcome) => ({ i: 1, outcome }))];
    const early = await Promise.race(racers);
    const late = 'served' in early.outcome ? undefined : await racers[1 - early.i]!;
    const winner = 'served' in early.outcome ? early : late && 'served' in late.outcome ? late : undefined;
    if (!winner) {
      const failed = early.i === 1 ? early.outcome : late!.outcome;
      if ('error' in failed) this.#failures.push({ target: second.run.target, error: failed.error, stopped: false });
      return { outcome: early.i === 0 ? early.outcome : late!.outcome, by: first };
    }
    (winner.i === 0 ? cancelSecond : cancelFirst).abort();
    const loser = await (winner.i === 0 ? b : a);
    if ('served' in loser) this.#lose(loser.served);
    return { outcome: winner.outcome, by: winner.i === 0 ? first : second };
  }

  /** The next plan target after `index` that a hedge may go to right now. */
  async #hedgeCandidate(index: number): Promise<Candidate | undefined> {
    const { exchange, cfg } = this;
    for (const [i, run] of this.plan.targets.entries()) {
      if (i <= index || this.#hedged.has(i)) continue;
      const adapter = cfg.adapter(run.target.provider);
      if (!adapter || !adapter.supports(exchange.format)) continue;
      const entry = this.policies.entry(run.target);
      if (await this.policies.skipReason(entry)) continue;
      return { index: i, run, adapter, entry };
    }
    return undefined;
  }

  /** A try that answered but lost the race: stopped now, its usage kept. */
  #lose(served: Served): void {
    served.stopUpstream();
    const { result } = served;
    this.#lostUsage.push(result.kind === 'stream' ? () => result.usage() : () => result.usage);
    if (result.kind === 'stream') void Promise.resolve(result.events[Symbol.asyncIterator]().return?.()).catch(() => undefined);
    served.attempt.hedgeLost = true;
    this.#endAttempt(served.attempt, 'aborted');
  }

  async #call(target: Target, body: Record<string, unknown>): Promise<ProviderCall> {
    const { exchange, cfg } = this;
    const apiKey = cfg.credential ? await cfg.credential(exchange, target) : undefined;
    const { bodySource } = exchange;
    return {
      format: exchange.format,
      body,
      model: target.model,
      stream: exchange.stream,
      headers: exchange.headers,
      requestId: exchange.id,
      ...(apiKey ? { apiKey } : {}),
      ...(bodySource ? { bodySource } : {}),
    };
  }

  /** One attempt's deadlines: the executor's, the target's own, narrowed by the client's. */
  #deadlines(target: Target): Deadlines {
    return deadlinesFor(this.cfg.timeouts, this.cfg.targetTimeouts?.(target), this.plan.timeouts);
  }

  /**
   * One upstream call under the attempt's deadline (`attemptMs`, 0: none); a stream's first event
   * is checked before anything is committed.
   */
  async #invoke(adapter: ProviderAdapter, call: ProviderCall, upstream: LinkedAbort, attemptMs: number, d: Deadlines): Promise<ProviderResult> {
    const { cfg } = this;
    // A stream's headers come before any thinking, so a silent upstream is caught early; a
    // non-stream call's headers come with its whole answer.
    // The transport's idle timer also runs before a stream's first event: there the first-token
    // deadline is the one that counts (a reasoning model thinks longer than `idle`).
    const firstWait = call.stream && d.idleMs > 0 && (d.firstTokenMs === 0 || d.firstTokenMs > d.idleMs);
    const timeouts: Partial<TransportTimeouts> = {
      connectMs: d.connectMs,
      firstByteMs: call.stream ? narrow(d.firstByteMs, d.firstTokenMs) : d.responseMs,
      idleMs: firstWait ? d.firstTokenMs : d.idleMs,
    };
    // The run's own deadline (`#link`) already bounds the whole call: no second timer and link
    // per call in the transport. Without one, the transport's stays.
    if (this.#totalMs > 0) timeouts.totalMs = 0;
    const invoke = async () => {
      const result = await adapter.invoke(call, new AttemptContext(cfg.transport, upstream, timeouts, cfg.now));
      return result.kind === 'stream' ? checkFirstEvent(result, call, adapter.name) : result;
    };
    return withinDeadline(invoke(), attemptMs, upstream.abort);
  }

  /** Count, record and announce an attempt at `target`; its upstream gets an abort of its own, to stop it alone. */
  #startAttempt(target: Target, parent: AbortWatch = this.#link, role?: Attempt['role']): { attempt: Attempt; upstream: LinkedAbort } {
    const { exchange, cfg } = this;
    this.#attempts++;
    this.hedge?.counted();
    const attempt: Attempt = { target, startedAt: cfg.now(), outcome: 'pending', ...(role ? { role } : {}) };
    exchange.attempts.push(attempt);
    cfg.events?.emit('attempt.start', { exchange, attempt });
    return { attempt, upstream: linkAbort([parent]) };
  }

  /**
   * End an attempt that threw: stop its upstream, then rethrow the client's abort, or return the
   * classified error (`attemptMs` names the first-token limit a cockatiel timeout stands for).
   */
  #failAttempt(attempt: Attempt, upstream: LinkedAbort, err: unknown, attemptMs: number): ProviderError {
    upstream.abort();
    if (this.exchange.abortWatch.aborted) {
      this.#endAttempt(attempt, 'aborted');
      throw this.exchange.abortWatch.reason;
    }
    const error = this.#classify(err, attempt.target.provider, attemptMs);
    this.#endAttempt(attempt, error.notSent ? 'rejected' : 'failure', error);
    return error;
  }

  #classify(err: unknown, provider: string, attemptMs: number): ProviderError {
    if (this.#link.timedOut) return new ProviderError('Request deadline exceeded', { kind: 'timeout', provider, cause: err });
    if (isProviderError(err)) return err;
    if (err instanceof AttemptDeadlineError) {
      return new ProviderError(`No first token within ${attemptMs} ms`, { kind: 'timeout', provider, cause: err });
    }
    if (err instanceof TransportError) {
      return new ProviderError(`Upstream ${err.kind === 'timeout' ? 'timed out' : 'connection failed'} (${err.phase})`, {
        kind: err.kind === 'timeout' ? 'timeout' : 'network',
        provider,
        cause: err,
      });
    }
    this.cfg.logger.error({ provider, err: err instanceof Error ? err.message : String(err) }, 'failover: adapter threw an unclassified error');
    return new ProviderError('Upstream call failed', { kind: 'server_error', provider, cause: err });
  }

  #endAttempt(attempt: Attempt, outcome: Attempt['outcome'], error?: ProviderError): void {
    attempt.endedAt = this.cfg.now();
    attempt.outcome = outcome;
    if (error) {
      attempt.failureKind = error.failureKind;
      if (error.upstreamStatus !== undefined) attempt.status = error.upstreamStatus;
      attempt.message = error.message;
      if (error.retryAfterMs !== undefined) attempt.retryAfterMs = error.retryAfterMs;
    }
    this.cfg.events?.emit('attempt.end', { exchange: this.exchange, attempt });
  }

  #respond(index: number, run: RunTarget, entry: TargetEntry, served: Served): void {
    const { exchange, cfg } = this;
    const { result, attempt } = served;
    attempt.status = result.status;
    exchange.responseHeaders['x-switchyard-provider'] = run.target.provider;
    exchange.responseHeaders['x-switchyard-model'] = run.target.model;
    exchange.responseHeaders['x-switchyard-attempts'] = String(this.#attempts);
    const headers: Record<string, string> = {};
    for (const name in result.headers) if (!HOP_HEADERS.has(name)) headers[name] = result.headers[name]!;
    if (result.kind === 'json') {
      this.#clear();
      // The answer was read to its end: nothing to abort, only listeners to drop.
      served.release();
      const usage = sumUsage([result.usage, ...this.#lostUsage.map((u) => u())]);
      if (usage) exchange.usage = usage;
      this.#endAttempt(attempt, 'success');
      exchange.response = { kind: 'json', status: result.status, headers, body: result.body };
      return;
    }
    const segments: Array<() => Usage | undefined> = [() => result.usage(), ...this.#lostUsage];
    this.hedge?.observe(entry.key, result.firstByteAt - attempt.startedAt);
    const menders = this.#continuationTargets(index);
    const regenerators = cfg.continuation?.regenerate ? this.#continuationTargets(index, () => true) : [];
    const transcript = menders.length + regenerators.length > 0 ? transcriptFor(exchange.format) : undefined;
    if (!cfg.continuation || !transcript) {
      // One segment: the guard's end is the stream's end, so it clears the run there instead of
      // through one more async-generator layer per event.
      const events = this.#guard(run.target, entry, result, attempt, served.stopUpstream, segments, () => this.#clear());
      exchange.response = { kind: 'stream', status: result.status, headers, events };
      return;
    }
    const events = continuedStream({
      first: this.#guard(run.target, entry, result, attempt, served.stopUpstream, segments),
      transcript,
      body: exchange.body,
      kinds: cfg.continuation.kinds,
      maxContinuations: cfg.continuation.maxContinuations,
      next: (body, cut, delivered) => this.#continue(menders, run.target, body, cut, delivered, segments),
      ...(regenerators.length
        ? { regenerate: (cut: ProviderError, delivered: number) => this.#continue(regenerators, run.target, exchange.body, cut, delivered, segments, false) }
        : {}),
      usageBefore: () => sumUsage(segments.slice(0, -1).map((u) => u())),
    });
    exchange.response = { kind: 'stream', status: result.status, headers, events: this.#clearing(events) };
  }

  /** One segment of the client's stream, ending its attempt (and updating usage) when it ends. */
  #guard(
    target: Target,
    entry: TargetEntry,
    result: StreamResult,
    attempt: Attempt,
    stopUpstream: () => void,
    segments: Array<() => Usage | undefined>,
    ended?: () => void,
  ): AsyncIterable<SseEvent> {
    const { exchange } = this;
    // The run's one link stands for the deadline: it also aborts when the client leaves, which
    // the guard tells apart by the exchange's own abort.
    return guardStream({
      result,
      provider: target.provider,
      format: exchange.format,
      exchangeAbort: exchange.abortWatch,
      deadlineAbort: this.#link,
      idleMs: this.#deadlines(target).idleMs,
      abortUpstream: stopUpstream,
      onEnd: (end) => {
        const usage = sumUsage(segments.map((u) => u()));
        if (usage) exchange.usage = usage;
        if (end.outcome === 'failure') {
          this.policies.recordFailure(entry, end.error);
          this.#endAttempt(attempt, 'failure', end.error);
        } else {
          this.#endAttempt(attempt, end.outcome);
        }
        ended?.();
      },
    });
  }

  /**
   * Targets that could continue the stream served by the plan's target at `index`, in the order
   * they are asked: the ones after it, then itself (a cut is often the network's, not the
   * model's). Empty when continuation is off or none can continue: the stream then runs on the
   * fast path, its events not parsed.
   */
  #continuationTargets(index: number, can?: (target: Target, adapter: ProviderAdapter) => boolean): RunTarget[] {
    const { exchange, cfg } = this;
    const continuation = cfg.continuation;
    if (!continuation) return [];
    const able = can ?? continuation.supportsPrefill;
    const order = [...this.plan.targets.slice(index + 1), this.plan.targets[index]!];
    return order.filter(({ target }) => {
      const adapter = cfg.adapter(target.provider);
      return adapter !== undefined && adapter.supports(exchange.format) && able(target, adapter);
    });
  }

  /**
   * Continue a cut stream on the first of `menders` that takes it, each tried once. Any failure
   * of a continuation (a refused prefill included) only moves on to the next candidate;
   * undefined lets the client's stream end with the original error.
   */
  async #continue(
    menders: RunTarget[],
    from: Target,
    body: Record<string, unknown>,
    cut: ProviderError,
    deliveredChars: number,
    segments: Array<() => Usage | undefined>,
    prefill = true,
  ): Promise<AsyncIterable<SseEvent> | undefined> {
    const { exchange, cfg } = this;
    for (const { target } of menders) {
      if (this.#attempts >= this.plan.maxAttempts || this.#link.aborted) return undefined;
      // A target that went silent is not asked again in this request.
      if (cut.failureKind === 'timeout' && target === from) continue;
      const adapter = cfg.adapter(target.provider)!;
      const entry = this.policies.entry(target);
      if (await this.policies.skipReason(entry)) continue;
      cfg.events?.emit('failover', { exchange, from, to: target, kind: cut.failureKind });
      const { attempt, upstream } = this.#startAttempt(target, this.#link, 'continuation');
      attempt.deliveredChars = deliveredChars;
      const deadlines = this.#deadlines(target);
      try {
        const call = { ...(await this.#call(target, body)), continuation: prefill };
        const result = await this.#invoke(adapter, call, upstream, deadlines.firstTokenMs, deadlines);
        if (result.kind !== 'stream') throw new ProviderError('Continuation answered without a stream', { kind: 'server_error', provider: target.provider });
        attempt.firstByteAt = result.firstByteAt;
        attempt.status = result.status;
        segments.push(() => result.usage());
        return this.#guard(target, entry, result, attempt, () => upstream.abort(), segments);
      } catch (err) {
        this.policies.recordFailure(entry, this.#failAttempt(attempt, upstream, err, deadlines.firstTokenMs));
      }
    }
    return undefined;
  }

  async *#clearing(events: AsyncIterable<SseEvent>): AsyncGenerator<SseEvent> {
    try {
      yield* events;
    } finally {
      this.#clear();
    }
  }

  #clear(): void {
    this.#link.dispose();
  }
}

const deadlineExceeded = () => new Error('Request deadline exceeded');
