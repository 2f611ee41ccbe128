import { randomUUID } from 'node:crypto';
import type { CounterLimits, Decision, LimitStore, RenewInput, ReserveInput, SettleInput, UsageSnapshot, WindowSpec } from './store.js';

/** Options of {@link AllowanceLimitStore}. */
export interface AllowanceLimitStoreOptions {
  /** Where the limits live and are shared: a RedisLimitStore, or the primary's store under `--workers`. Required. */
  store: LimitStore;
  /** Most requests one block holds; 1 decides every request at `store`. Defaults to 32. */
  maxRequests?: number;
  /**
   * The largest part of what is left of a limit one block may hold (0 < share <= 1): near a
   * limit blocks shrink, down to deciding each request at `store`. Defaults to 0.1.
   */
  share?: number;
  /** Clock of the timers that end blocks, in ms. Defaults to Date.now. */
  now?: () => number;
  /** Called when settling a block fails (its reservation then stays counted). Defaults to none. */
  onError?: (error: unknown) => void;
}

/** A block of requests reserved at the shared store and handed out here. */
interface Block {
  readonly key: string;
  readonly id: string;
  /** When it was reserved: its requests and tokens sit in that instant's buckets. */
  readonly at: number;
  /** It is settled at the end of the buckets it was reserved in (or on `close()`). */
  readonly endsAt: number;
  readonly limits: CounterLimits;
  readonly tokenWindow: WindowSpec;
  readonly requestWindow: WindowSpec;
  /** Requests, input and output tokens it reserved. */
  readonly size: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Usage at the store before the block was reserved. */
  readonly before: UsageSnapshot;
  /** What it handed out: requests (less those never sent) and their token asks. */
  readonly handed: Amounts;
  /** Real usage of the requests that settled while it was open. */
  actualInput: number;
  actualOutput: number;
  /** Tokens held by requests still running. */
  heldInput: number;
  heldOutput: number;
  open: boolean;
  closedAt: number;
  timer?: NodeJS.Timeout;
}

/** Requests and the tokens they ask for. */
interface Amounts {
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

/** What this store knows of a key: its open block, a block on its way, how large the next one is. */
interface KeyState {
  block?: Block;
  granting?: Promise<unknown>;
  /** Requests the next block asks for. */
  want: number;
  /** Requests waiting for `granting`. */
  waiting: number;
  /** Usage the store last reported, to size blocks by what is left. */
  used?: UsageSnapshot;
  /** When a request of the key last asked for a block. */
  seenAt: number;
}

/** A request handed out of a block: settled into it while it is open, at the store once it is closed. */
interface Member {
  block: Block;
  inputTokens: number;
  outputTokens: number;
}

/** How long the state of a key without a block is kept (its last usage and block size). */
const SWEEP_MS = 60_000;

/** The limits that size a block: what is left of each, over what one request asks of it. */
const SIZING = [
  ['totalTokens', (u: UsageSnapshot) => u.inputTokens + u.outputTokens, (i: ReserveInput) => i.inputTokens + i.outputTokens],
  ['inputTokens', (u: UsageSnapshot) => u.inputTokens, (i: ReserveInput) => i.inputTokens],
  ['outputTokens', (u: UsageSnapshot) => u.outputTokens, (i: ReserveInput) => i.outputTokens],
  ['requests', (u: UsageSnapshot) => u.requests, () => 1],
] as const;

/**
 * Takes requests and tokens from a shared store in blocks and admits requests against them
 * here, so that most requests of a busy key cost no round trip to Redis or to the primary
 * process. Every admitted request is inside a reservation the shared store made under the
 * whole limit, so N instances together never admit more than one limit.
 *
 * A block holds up to `maxRequests` requests, each with the token ask of the request that took
 * it, and never more than `share` of what is left of any limit. It is settled when the bucket it
 * was reserved in ends, so nothing is counted for less than its window: the real usage of its
 * finished requests, the asks of those still running, its unused requests given back. One that
 * runs out sooner makes way for a larger one and stays open for its requests' settlements.
 * Only plain decisions go in blocks: a key with a concurrency limit, a `capped` or `soft`
 * budget, `peek` and `force` are decided at the store as before. The price: what one instance
 * holds in a block for up to one request bucket (a second) counts as used for the others, so a
 * key close to a limit can be refused a little earlier than with one instance.
 *
 * @example
 * const store = new AllowanceLimitStore({ store: new RedisLimitStore({ client }) });
 * const limiter = new RateLimiter({ store });
 * // on shutdown: await store.close();
 */
export class AllowanceLimitStore implements LimitStore {
  readonly #store: LimitStore;
  readonly #maxRequests: number;
  readonly #share: number;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #keys = new Map<string, KeyState>();
  /** By counter key and reservation id (one id may be reserved under several keys). */
  readonly #members = new Map<string, Member>();
  readonly #settling = new Set<Promise<void>>();
  /** Blocks not settled yet, the ones that ran out included. */
  readonly #open = new Set<Block>();
  #lastSweep = 0;

  constructor(options: AllowanceLimitStoreOptions) {
    if (!options?.store) throw new TypeError('AllowanceLimitStore: options.store is required');
    this.#store = options.store;
    this.#maxRequests = options.maxRequests ?? 32;
    if (!(Number.isInteger(this.#maxRequests) && this.#maxRequests >= 1)) throw new TypeError('AllowanceLimitStore: maxRequests must be a positive integer');
    this.#share = options.share ?? 0.1;
    if (!(this.#share > 0 && this.#share <= 1)) throw new TypeError('AllowanceLimitStore: share must be in (0, 1]');
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? (() => {});
  }

  /** Keys this store keeps state for (for tests and memory checks). */
  get size(): number {
    return this.#keys.size;
  }

  async reserve(input: ReserveInput): Promise<Decision> {
    if (!this.#blockable(input)) return this.#store.reserve(input);
    for (;;) {
      const state = this.#keys.get(input.key);
      const block = state?.block;
      if (block) {
        if (input.now < block.endsAt && sameTerms(block, input)) {
          const { handed } = block;
          const room =
            handed.requests < block.size &&
            handed.inputTokens + input.inputTokens <= block.inputTokens &&
            handed.outputTokens + input.outputTokens <= block.outputTokens;
          if (room) return this.#admit(block, input);
          // It ran out: it stays open for its requests' settlements until it ends; the next one is larger.
          state!.block = undefined;
          state!.want = Math.min(this.#maxRequests, block.size * 2);
        } else this.#close(block, input.now); // it ended, or the key's limits changed
      }
      if (state?.granting) {
        state.waiting++;
        await state.granting;
        state.waiting--;
        continue;
      }
      return this.#grant(input, state ?? this.#state(input.key, input.now));
    }
  }

  async settle(input: SettleInput): Promise<void> {
    const memberKey = `${input.key}\n${input.id}`;
    const member = this.#members.get(memberKey);
    if (!member) return this.#store.settle(input);
    this.#members.delete(memberKey);
    const { block } = member;
    if (block.open) {
      block.heldInput -= member.inputTokens;
      block.heldOutput -= member.outputTokens;
      block.actualInput += input.actual.inputTokens;
      block.actualOutput += input.actual.outputTokens;
      // A request that was never sent goes back into the block.
      if (input.refundRequestIn) block.handed.requests--;
      return;
    }
    // Its ask was booked when the block was settled (a request that was never sent stays counted).
    return this.#store.settle({
      key: input.key,
      id: input.id,
      now: input.now,
      reservedAt: block.closedAt,
      tokenWindow: input.tokenWindow,
      reserved: { inputTokens: member.inputTokens, outputTokens: member.outputTokens },
      actual: input.actual,
      fallback: input.fallback,
    });
  }

  renew(input: RenewInput): Promise<void> {
    return this.#store.renew(input);
  }

  /** What the shared store counts: every instance's open blocks count whole. */
  usage(key: string, now: number, tokenWindow: WindowSpec, requestWindow: WindowSpec): Promise<UsageSnapshot> {
    return this.#store.usage(key, now, tokenWindow, requestWindow);
  }

  /** Settle every open block now (on shutdown), and wait for all settlements on their way. */
  async close(): Promise<void> {
    const now = this.#now();
    for (const block of [...this.#open]) this.#close(block, now);
    await Promise.all([...this.#settling]);
  }

  #blockable(input: ReserveInput): boolean {
    return (
      this.#maxRequests > 1 &&
      (input.mode ?? 'reserve') === 'reserve' &&
      (input.budget ?? 'strict') === 'strict' &&
      input.limits.concurrent === undefined &&
      (input.requests ?? 1) === 1
    );
  }

  async #grant(input: ReserveInput, state: KeyState): Promise<Decision> {
    state.seenAt = input.now;
    // Requests waiting for this key's last call take their share of the block too.
    const size = Math.min(Math.max(state.want, state.waiting + 1), this.#fits(input, state.used));
    if (size < 2) return this.#decideAlone(input, state);
    const id = randomUUID();
    const granting = this.#store.reserve({ ...input, id, inputTokens: input.inputTokens * size, outputTokens: input.outputTokens * size, requests: size });
    state.granting = granting.catch(() => {});
    let decision: Decision;
    try {
      decision = await granting;
    } finally {
      state.granting = undefined;
    }
    // The block did not fit: decide this request alone (the next blocks are sized by what is left).
    if (!decision.allowed) {
      state.used = decision.used;
      return this.#decideAlone(input, state);
    }
    const block: Block = {
      key: input.key,
      id,
      at: input.now,
      endsAt: Math.min(bucketEnd(input.now, input.requestWindow), bucketEnd(input.now, input.tokenWindow)),
      limits: input.limits,
      tokenWindow: input.tokenWindow,
      requestWindow: input.requestWindow,
      size,
      inputTokens: input.inputTokens * size,
      outputTokens: input.outputTokens * size,
      before: decision.used,
      handed: { requests: 0, inputTokens: 0, outputTokens: 0 },
      actualInput: 0,
      actualOutput: 0,
      heldInput: 0,
      heldOutput: 0,
      open: true,
      closedAt: 0,
    };
    state.block = block;
    this.#open.add(block);
    state.used = plus(decision.used, { requests: size, inputTokens: block.inputTokens, outputTokens: block.outputTokens });
    block.timer = setTimeout(() => this.#close(block, this.#now()), Math.max(0, block.endsAt - this.#now()));
    block.timer.unref();
    return this.#admit(block, input);
  }

  async #decideAlone(input: ReserveInput, state: KeyState): Promise<Decision> {
    const deciding = this.#store.reserve(input);
    // Until the key's usage is known, the requests behind this one wait for it (then share a block).
    const learning = state.used === undefined;
    if (learning) state.granting = deciding.catch(() => {});
    try {
      const decision = await deciding;
      state.used = decision.allowed ? plus(decision.used, { requests: 1, inputTokens: input.inputTokens, outputTokens: input.outputTokens }) : decision.used;
      return decision;
    } finally {
      if (learning) state.granting = undefined;
    }
  }

  /** The key's state, made when missing; states idle for a while are swept out on the way. */
  #state(key: string, now: number): KeyState {
    if (now - this.#lastSweep >= SWEEP_MS) {
      this.#lastSweep = now;
      for (const [k, s] of this.#keys) if (!s.block && !s.granting && now - s.seenAt >= SWEEP_MS) this.#keys.delete(k);
    }
    const state: KeyState = { want: 2, waiting: 0, seenAt: now };
    this.#keys.set(key, state);
    return state;
  }

  /** Requests a block may hold under `share` of what is left of each limit, by the last usage seen. */
  #fits(input: ReserveInput, used: UsageSnapshot | undefined): number {
    // A key not seen lately is decided alone first: its usage then sizes its blocks.
    if (!used) return 1;
    let n = this.#maxRequests;
    for (const [name, usedOf, askOf] of SIZING) {
      const limit = input.limits[name];
      const ask = askOf(input);
      if (limit === undefined || ask <= 0) continue;
      n = Math.min(n, Math.floor(((limit - usedOf(used)) * this.#share) / ask));
    }
    return n;
  }

  #admit(block: Block, input: ReserveInput): Decision {
    // What the store would have reported: its usage before the block, and the block's requests before this one.
    const used = plus(block.before, block.handed);
    block.handed.requests++;
    block.handed.inputTokens += input.inputTokens;
    block.handed.outputTokens += input.outputTokens;
    block.heldInput += input.inputTokens;
    block.heldOutput += input.outputTokens;
    this.#members.set(`${input.key}\n${input.id}`, { block, inputTokens: input.inputTokens, outputTokens: input.outputTokens });
    return { allowed: true, retryAfterMs: 0, used };
  }

  #close(block: Block, now: number): void {
    if (!block.open) return;
    block.open = false;
    block.closedAt = now;
    clearTimeout(block.timer);
    const state = this.#keys.get(block.key);
    if (state?.block === block) {
      state.block = undefined;
      // The next block asks for twice what this one handed out: it grows while the key is busy.
      state.want = Math.max(2, Math.min(this.#maxRequests, block.handed.requests * 2));
    }
    this.#open.delete(block);
    const unused = block.size - block.handed.requests;
    const settling = this.#store
      .settle({
        key: block.key,
        id: block.id,
        now,
        reservedAt: block.at,
        tokenWindow: block.tokenWindow,
        reserved: { inputTokens: block.inputTokens, outputTokens: block.outputTokens },
        // Requests still running keep their ask, now booked at `now` (see settle).
        actual: { inputTokens: block.actualInput + block.heldInput, outputTokens: block.actualOutput + block.heldOutput },
        ...(unused > 0 ? { refundRequestIn: block.requestWindow, refundRequests: unused } : {}),
      })
      .catch(this.#onError)
      .finally(() => this.#settling.delete(settling));
    this.#settling.add(settling);
  }
}

function bucketEnd(now: number, w: WindowSpec): number {
  return (Math.floor(now / w.bucketMs) + 1) * w.bucketMs;
}

function sameTerms(block: Block, input: ReserveInput): boolean {
  const a = block.limits;
  const b = input.limits;
  return (
    a.totalTokens === b.totalTokens &&
    a.inputTokens === b.inputTokens &&
    a.outputTokens === b.outputTokens &&
    a.requests === b.requests &&
    block.tokenWindow.bucketMs === input.tokenWindow.bucketMs &&
    block.tokenWindow.windowMs === input.tokenWindow.windowMs &&
    block.requestWindow.bucketMs === input.requestWindow.bucketMs &&
    block.requestWindow.windowMs === input.requestWindow.windowMs
  );
}

function plus(used: UsageSnapshot, more: Amounts): UsageSnapshot {
  return {
    inputTokens: used.inputTokens + more.inputTokens,
    outputTokens: used.outputTokens + more.outputTokens,
    requests: used.requests + more.requests,
    concurrent: used.concurrent,
  };
}
