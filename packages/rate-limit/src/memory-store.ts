import {
  LIMIT_ORDER,
  tokenAsk,
  type CounterLimits,
  type Decision,
  type LimitName,
  type LimitStore,
  type RenewInput,
  type ReserveInput,
  type SettleInput,
  type TokenAsk,
  type UsageSnapshot,
  type WindowSpec,
} from './store.js';

/** Options of {@link MemoryLimitStore}. */
export interface MemoryLimitStoreOptions {
  /**
   * How often (in the clock of the calls) idle keys are swept out of memory, in ms.
   * Defaults to 60000.
   */
  sweepIntervalMs?: number;
}

interface Counters {
  input: Map<number, number>;
  output: Map<number, number>;
  requests: Map<number, number>;
  /** Reservation id → lease expiry. */
  leases: Map<string, number>;
  lastTokenWindow: WindowSpec;
  lastRequestWindow: WindowSpec;
}

/**
 * Counters in this process's memory: exact, synchronous (so trivially atomic on Node's single
 * thread), and per process. Use {@link RedisLimitStore} when several instances share a limit.
 *
 * @example
 * const store = new MemoryLimitStore();
 * const limiter = new RateLimiter({ store });
 */
export class MemoryLimitStore implements LimitStore {
  readonly #keys = new Map<string, Counters>();
  readonly #sweepIntervalMs: number;
  #lastSweep = 0;

  constructor(options: MemoryLimitStoreOptions = {}) {
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    if (!(this.#sweepIntervalMs > 0)) throw new TypeError('sweepIntervalMs must be positive');
  }

  /** Number of keys with live counters (for tests and memory checks). */
  get size(): number {
    return this.#keys.size;
  }

  async reserve(input: ReserveInput): Promise<Decision> {
    return this.reserveSync(input);
  }

  /** {@link reserve} without the promise, for the fail-open path and benches. */
  reserveSync(input: ReserveInput): Decision {
    const { now, tokenWindow: tw, requestWindow: rw } = input;
    this.#maybeSweep(now);
    const c = this.#counters(input.key, tw, rw);
    prune(c, now);
    const used = snapshot(c, now, tw, rw);
    const mode = input.mode ?? 'reserve';
    const ask = tokenAsk(input, used);
    const decision = decide(c, used, input, ask);
    if (input.budget === 'capped' || input.budget === 'soft') decision.reserved = ask.write;
    if (mode === 'peek' || (mode === 'reserve' && !decision.allowed)) return decision;
    const tb = Math.floor(now / tw.bucketMs);
    const rb = Math.floor(now / rw.bucketMs);
    add(c.input, tb, ask.write.inputTokens);
    add(c.output, tb, ask.write.outputTokens);
    add(c.requests, rb, input.requests ?? 1);
    if (mode === 'reserve') c.leases.set(input.id, now + input.leaseMs);
    return decision;
  }

  async renew(input: RenewInput): Promise<void> {
    const leases = this.#keys.get(input.key)?.leases;
    const until = leases?.get(input.id);
    if (leases && until !== undefined && until > input.now) leases.set(input.id, input.now + input.leaseMs);
  }

  async settle(input: SettleInput): Promise<void> {
    const c = this.#keys.get(input.key);
    if (!c) return;
    const tw = input.tokenWindow;
    const oldest = Math.floor(input.now / tw.bucketMs) - tw.windowMs / tw.bucketMs;
    const rb = Math.floor(input.reservedAt / tw.bucketMs);
    if (rb >= oldest) {
      // The reservation still sits in its bucket: take it out and book the real usage now.
      subtract(c.input, rb, input.reserved.inputTokens);
      subtract(c.output, rb, input.reserved.outputTokens);
    }
    const cur = Math.floor(input.now / tw.bucketMs);
    add(c.input, cur, input.actual.inputTokens);
    add(c.output, cur, input.actual.outputTokens);
    const rw = input.refundRequestIn;
    if (rw) {
      const qb = Math.floor(input.reservedAt / rw.bucketMs);
      if (qb >= Math.floor(input.now / rw.bucketMs) - rw.windowMs / rw.bucketMs) subtract(c.requests, qb, input.refundRequests ?? 1);
    }
    c.leases.delete(input.id);
  }

  async usage(key: string, now: number, tokenWindow: WindowSpec, requestWindow: WindowSpec): Promise<UsageSnapshot> {
    const c = this.#keys.get(key);
    if (!c) return { inputTokens: 0, outputTokens: 0, requests: 0, concurrent: 0 };
    return snapshot(c, now, tokenWindow, requestWindow);
  }

  #counters(key: string, tw: WindowSpec, rw: WindowSpec): Counters {
    let c = this.#keys.get(key);
    if (!c) {
      c = { input: new Map(), output: new Map(), requests: new Map(), leases: new Map(), lastTokenWindow: tw, lastRequestWindow: rw };
      this.#keys.set(key, c);
    }
    c.lastTokenWindow = tw;
    c.lastRequestWindow = rw;
    return c;
  }

  #maybeSweep(now: number): void {
    if (now - this.#lastSweep < this.#sweepIntervalMs) return;
    this.#lastSweep = now;
    for (const [key, c] of this.#keys) {
      prune(c, now);
      if (c.input.size + c.output.size + c.requests.size + c.leases.size === 0) this.#keys.delete(key);
    }
  }
}

function add(map: Map<number, number>, bucket: number, by: number): void {
  if (by > 0) map.set(bucket, (map.get(bucket) ?? 0) + by);
}

function subtract(map: Map<number, number>, bucket: number, by: number): void {
  const v = map.get(bucket);
  if (v === undefined || by <= 0) return;
  if (v - by <= 0) map.delete(bucket);
  else map.set(bucket, v - by);
}

function prune(c: Counters, now: number): void {
  const tw = c.lastTokenWindow;
  const rw = c.lastRequestWindow;
  const tmin = Math.floor(now / tw.bucketMs) - tw.windowMs / tw.bucketMs;
  const rmin = Math.floor(now / rw.bucketMs) - rw.windowMs / rw.bucketMs;
  for (const b of c.input.keys()) if (b < tmin) c.input.delete(b);
  for (const b of c.output.keys()) if (b < tmin) c.output.delete(b);
  for (const b of c.requests.keys()) if (b < rmin) c.requests.delete(b);
  // forEach, not for-of with destructuring: no entry array per lease, on every decision.
  c.leases.forEach((exp, id) => {
    if (exp <= now) c.leases.delete(id);
  });
}

function sumFrom(map: Map<number, number>, min: number): number {
  let s = 0;
  map.forEach((v, b) => {
    if (b >= min) s += v;
  });
  return s;
}

function snapshot(c: Counters, now: number, tw: WindowSpec, rw: WindowSpec): UsageSnapshot {
  const tmin = Math.floor(now / tw.bucketMs) - tw.windowMs / tw.bucketMs;
  const rmin = Math.floor(now / rw.bucketMs) - rw.windowMs / rw.bucketMs;
  let concurrent = 0;
  for (const exp of c.leases.values()) if (exp > now) concurrent++;
  return {
    inputTokens: sumFrom(c.input, tmin),
    outputTokens: sumFrom(c.output, tmin),
    requests: sumFrom(c.requests, rmin),
    concurrent,
  };
}

/**
 * Milliseconds until `need` units have left the window, walking buckets oldest first.
 * Bucket `b` leaves when the current bucket becomes `b + n + 1`.
 */
function retryAfter(buckets: (b: number) => number, now: number, w: WindowSpec, amount: number, used: number, limit: number): number {
  if (amount > limit) return Infinity;
  const need = used + amount - limit;
  const n = w.windowMs / w.bucketMs;
  const min = Math.floor(now / w.bucketMs) - n;
  let freed = 0;
  for (let b = min; b <= min + n; b++) {
    freed += buckets(b);
    if (freed >= need) return (b + n + 1) * w.bucketMs - now;
  }
  return w.windowMs + w.bucketMs;
}

function decide(c: Counters, used: UsageSnapshot, input: ReserveInput, ask: TokenAsk): Decision {
  const { limits, now, tokenWindow: tw, requestWindow: rw } = input;
  const requests = input.requests ?? 1;
  const checks: Record<LimitName, () => [ok: boolean, retry: () => number]> = {
    totalTokens: () => [
      fits(used.inputTokens + used.outputTokens, ask.total, limits.totalTokens),
      () => retryAfter((b) => (c.input.get(b) ?? 0) + (c.output.get(b) ?? 0), now, tw, ask.total, used.inputTokens + used.outputTokens, limits.totalTokens!),
    ],
    inputTokens: () => [
      fits(used.inputTokens, ask.input, limits.inputTokens),
      () => retryAfter((b) => c.input.get(b) ?? 0, now, tw, ask.input, used.inputTokens, limits.inputTokens!),
    ],
    outputTokens: () => [
      fits(used.outputTokens, ask.output, limits.outputTokens),
      () => retryAfter((b) => c.output.get(b) ?? 0, now, tw, ask.output, used.outputTokens, limits.outputTokens!),
    ],
    requests: () => [
      fits(used.requests, requests, limits.requests),
      () => retryAfter((b) => c.requests.get(b) ?? 0, now, rw, requests, used.requests, limits.requests!),
    ],
    concurrent: () => [fits(used.concurrent, 1, limits.concurrent), () => (limits.concurrent! < 1 ? Infinity : 1000)],
  };
  let rejectedBy: LimitName | undefined;
  let retry = 0;
  for (const name of LIMIT_ORDER) {
    if (limits[name as keyof CounterLimits] === undefined) continue;
    const [ok, later] = checks[name]();
    if (ok) continue;
    rejectedBy ??= name;
    retry = Math.max(retry, later());
  }
  return { allowed: rejectedBy === undefined, rejectedBy, retryAfterMs: retry, used };
}

/** The one comparison used at every limit: a request landing exactly on the limit passes. */
export function fits(used: number, amount: number, limit: number | undefined): boolean {
  return limit === undefined || used + amount <= limit;
}
