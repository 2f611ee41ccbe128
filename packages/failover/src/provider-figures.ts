import { randomUUID } from 'node:crypto';
import type { Attempt, EventBus, FailureKind } from '@switchyard/core';

/** Outcome counts of one provider/model in one time bucket (or summed over a window). */
export interface FigureCounts {
  ok: number;
  fail: number;
  /** Sum and count of time-to-first-byte latencies, ms. */
  latencySum: number;
  latencyCount: number;
}

/** Where the figures live: this process, or Redis so every instance reports the same numbers. */
export interface ProviderFiguresStore {
  /** Add counts to a bucket; keys are `provider\tmodel`. */
  add(bucket: number, deltas: ReadonlyMap<string, FigureCounts>): Promise<void>;
  /** The counts of these buckets, summed per `provider\tmodel`. */
  read(buckets: readonly number[]): Promise<Map<string, FigureCounts>>;
  /** Publish this instance's in-flight attempts per provider, valid for `ttlMs`. */
  putLoad(instance: string, load: Readonly<Record<string, number>>, ttlMs: number): Promise<void>;
  /** In-flight attempts per provider, summed over live instances. */
  readLoad(): Promise<Record<string, number>>;
}

/** Options of {@link ProviderFigures}. */
export interface ProviderFiguresOptions {
  /** Where counts are kept. Defaults to this process's memory ({@link memoryFiguresStore}). */
  store?: ProviderFiguresStore;
  /** How often pending counts and the load are written to the store, ms. Defaults to 1000. */
  flushIntervalMs?: number;
  /** This instance's id in the shared load. Defaults to a random UUID. */
  instanceId?: string;
  /** Clock in ms. Defaults to Date.now. */
  now?: () => number;
}

/** A provider's figures over a window. */
export interface ProviderWindowFigures {
  provider: string;
  counts: FigureCounts;
  models: Map<string, FigureCounts>;
  /** Attempts in flight now (every instance). */
  inFlight: number;
}

/** Figures are counted per minute; a window covers whole minutes. */
export const FIGURE_BUCKET_MS = 60_000;
/** The longest window a read may ask for. */
export const MAX_FIGURE_WINDOW_MS = 60 * 60_000;

/** Kinds that are the request's own fault: they say nothing about the provider. */
const CLIENT_FAULTS = new Set<FailureKind>(['bad_request', 'content_policy', 'context_length']);

/**
 * Whether an ended attempt says something about its provider's health (success, or a failure
 * that is not the client's fault; aborted attempts say nothing).
 * @example if (countsAgainstProvider(attempt)) record(attempt)
 */
export function countsAgainstProvider(attempt: Attempt): boolean {
  if (attempt.outcome === 'aborted' || attempt.outcome === 'pending') return false;
  return !(attempt.failureKind && CLIENT_FAULTS.has(attempt.failureKind));
}

const zero = (): FigureCounts => ({ ok: 0, fail: 0, latencySum: 0, latencyCount: 0 });

/** Add `b` into `a`. */
export function addCounts(a: FigureCounts, b: FigureCounts): FigureCounts {
  a.ok += b.ok;
  a.fail += b.fail;
  a.latencySum += b.latencySum;
  a.latencyCount += b.latencyCount;
  return a;
}

/**
 * Per-provider and per-model outcome counts in minute buckets, plus in-flight load, from the
 * executor's attempt events. The hot path only bumps in-memory counters; a timer writes them
 * to the store (Redis when shared), so reading `GET /v1/providers/health` on any instance
 * shows the whole fleet's figures.
 *
 * @example
 * const figures = new ProviderFigures({ store: redisFiguresStore({ client: redis }) });
 * figures.subscribe(events); figures.start();
 * await figures.window(5 * 60_000);
 */
export class ProviderFigures {
  readonly #store: ProviderFiguresStore;
  readonly #flushMs: number;
  readonly #instance: string;
  readonly #now: () => number;
  #pending = new Map<number, Map<string, FigureCounts>>();
  readonly #inFlight = new Map<string, number>();
  #timer?: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();

  constructor(options: ProviderFiguresOptions = {}) {
    this.#store = options.store ?? memoryFiguresStore();
    this.#flushMs = options.flushIntervalMs ?? 1000;
    if (!(this.#flushMs > 0)) throw new TypeError('ProviderFigures: flushIntervalMs must be > 0');
    this.#instance = options.instanceId ?? randomUUID();
    this.#now = options.now ?? Date.now;
  }

  /** Follow `attempt.start` / `attempt.end`. Returns an unsubscribe function. */
  subscribe(events: EventBus): () => void {
    const offs = [
      events.on('attempt.start', ({ attempt }) => this.#load(attempt.target.provider, 1)),
      events.on('attempt.end', ({ attempt }) => {
        this.#load(attempt.target.provider, -1);
        if (!countsAgainstProvider(attempt)) return;
        const latency = attempt.firstByteAt !== undefined ? attempt.firstByteAt - attempt.startedAt : undefined;
        this.record(attempt.target.provider, attempt.target.model, attempt.outcome === 'success', latency);
      }),
    ];
    return () => offs.forEach((off) => off());
  }

  /** Count one outcome (the events do this for live traffic). */
  record(provider: string, model: string, ok: boolean, latencyMs?: number): void {
    const bucket = Math.floor(this.#now() / FIGURE_BUCKET_MS);
    let counts = this.#pending.get(bucket);
    if (!counts) this.#pending.set(bucket, (counts = new Map()));
    const key = `${provider}\t${model}`;
    let c = counts.get(key);
    if (!c) counts.set(key, (c = zero()));
    if (ok) c.ok++;
    else c.fail++;
    if (latencyMs !== undefined) {
      c.latencySum += Math.round(latencyMs);
      c.latencyCount++;
    }
  }

  /** Write pending counts and the load every `flushIntervalMs` (an unref'd timer). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.flush().catch(() => undefined), this.#flushMs);
    this.#timer.unref();
  }

  /** Stop the timer and write what is pending. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  /** Write pending counts and this instance's load to the store now. */
  flush(): Promise<void> {
    const pending = this.#pending;
    this.#pending = new Map();
    const load = Object.fromEntries(this.#inFlight);
    this.#flushing = this.#flushing.then(async () => {
      for (const [bucket, deltas] of pending) await this.#store.add(bucket, deltas);
      await this.#store.putLoad(this.#instance, load, this.#flushMs * 3);
    });
    return this.#flushing;
  }

  /** Every provider's figures over the last `windowMs` (rounded up to whole minutes; at most an hour). */
  async window(windowMs: number): Promise<Map<string, ProviderWindowFigures>> {
    if (!(windowMs > 0) || windowMs > MAX_FIGURE_WINDOW_MS) throw new RangeError(`window must be between 1 ms and ${MAX_FIGURE_WINDOW_MS} ms`);
    await this.flush();
    const now = this.#now();
    const last = Math.floor(now / FIGURE_BUCKET_MS);
    // Whole minutes: a 5m window is the current minute and the five before it.
    const first = Math.floor((now - windowMs) / FIGURE_BUCKET_MS);
    const buckets = Array.from({ length: last - first + 1 }, (_, i) => first + i);
    const [counts, load] = await Promise.all([this.#store.read(buckets), this.#store.readLoad()]);
    const out = new Map<string, ProviderWindowFigures>();
    const entry = (provider: string) => {
      let e = out.get(provider);
      if (!e) out.set(provider, (e = { provider, counts: zero(), models: new Map(), inFlight: load[provider] ?? 0 }));
      return e;
    };
    for (const [key, c] of counts) {
      const [provider, model] = key.split('\t') as [string, string];
      const e = entry(provider);
      addCounts(e.counts, c);
      e.models.set(model, addCounts(e.models.get(model) ?? zero(), c));
    }
    for (const [provider, n] of Object.entries(load)) if (n > 0) entry(provider);
    return out;
  }

  #load(provider: string, delta: number): void {
    this.#inFlight.set(provider, Math.max(0, (this.#inFlight.get(provider) ?? 0) + delta));
  }
}

/**
 * Figures in this process's memory (one instance). Keeps an hour of buckets.
 * @example new ProviderFigures({ store: memoryFiguresStore() })
 */
export function memoryFiguresStore(): ProviderFiguresStore {
  const buckets = new Map<number, Map<string, FigureCounts>>();
  let load: Record<string, number> = {};
  return {
    async add(bucket, deltas) {
      let b = buckets.get(bucket);
      if (!b) buckets.set(bucket, (b = new Map()));
      for (const [key, c] of deltas) b.set(key, addCounts(b.get(key) ?? zero(), c));
      const oldest = bucket - MAX_FIGURE_WINDOW_MS / FIGURE_BUCKET_MS - 1;
      for (const k of buckets.keys()) if (k < oldest) buckets.delete(k);
    },
    async read(list) {
      const out = new Map<string, FigureCounts>();
      for (const bucket of list) for (const [key, c] of buckets.get(bucket) ?? []) out.set(key, addCounts(out.get(key) ?? zero(), c));
      return out;
    },
    async putLoad(_instance, current) {
      load = { ...current };
    },
    async readLoad() {
      return { ...load };
    },
  };
}
