import { createHash } from 'node:crypto';
import type { RedisClient } from '@switchyard/stores';
import { RENEW_SCRIPT, RESERVE_SCRIPT, SETTLE_SCRIPT, USAGE_SCRIPT } from './redis-scripts.js';
import {
  LIMIT_ORDER,
  type Decision,
  type LimitStore,
  type RenewInput,
  type ReserveInput,
  type SettleInput,
  type UsageSnapshot,
  type WindowSpec,
} from './store.js';

/** Options of {@link RedisLimitStore}. */
export interface RedisLimitStoreOptions {
  /** An ioredis client (or compatible). Required. */
  client: RedisClient;
  /** Prefix of every Redis key. Defaults to `switchyard:rl:`. */
  prefix?: string;
  /**
   * A call slower than this fails (and the `onStoreError` policy applies), so a hung Redis
   * does not hold requests. Defaults to 500.
   */
  timeoutMs?: number;
}

const MODES = { reserve: 0, peek: 1, force: 2 } as const;
const BUDGETS = { strict: 0, capped: 1, soft: 2 } as const;

/**
 * Counters in Redis, shared by every gateway instance. Each decision is one Lua script (one
 * round trip) that prunes old buckets, checks every enabled limit and reserves atomically,
 * so N instances enforce one limit.
 *
 * @example
 * import Redis from 'ioredis';
 * const store = new RedisLimitStore({ client: new Redis(process.env.REDIS_URL!, { enableOfflineQueue: false }) });
 */
export class RedisLimitStore implements LimitStore {
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #timeoutMs: number;

  constructor(options: RedisLimitStoreOptions) {
    if (!options?.client || typeof options.client.evalsha !== 'function' || typeof options.client.eval !== 'function') {
      throw new TypeError('RedisLimitStore: options.client must be an ioredis-compatible client (evalsha, eval)');
    }
    this.#client = options.client;
    this.#prefix = options.prefix ?? 'switchyard:rl:';
    this.#timeoutMs = options.timeoutMs ?? 500;
    if (!(this.#timeoutMs > 0)) throw new TypeError('RedisLimitStore: timeoutMs must be positive');
  }

  async reserve(input: ReserveInput): Promise<Decision> {
    const { tokenWindow: tw, requestWindow: rw, limits: l } = input;
    const reply = (await this.#run(RESERVE, input.key, [
      input.now,
      tw.bucketMs,
      tw.windowMs / tw.bucketMs,
      rw.bucketMs,
      rw.windowMs / rw.bucketMs,
      l.totalTokens ?? -1,
      l.inputTokens ?? -1,
      l.outputTokens ?? -1,
      l.requests ?? -1,
      l.concurrent ?? -1,
      Math.ceil(input.inputTokens),
      Math.ceil(input.outputTokens),
      MODES[input.mode ?? 'reserve'],
      input.id,
      input.leaseMs,
      BUDGETS[input.budget ?? 'strict'],
      input.requests ?? 1,
    ])) as number[];
    const [allowed, rejected, wait, si, so, sr, sc, wi, wo] = reply.map(Number) as [number, number, number, number, number, number, number, number, number];
    const decision: Decision = {
      allowed: allowed === 1,
      rejectedBy: rejected > 0 ? LIMIT_ORDER[rejected - 1] : undefined,
      retryAfterMs: wait < 0 ? Infinity : wait,
      used: { inputTokens: si, outputTokens: so, requests: sr, concurrent: sc },
    };
    if (input.budget === 'capped' || input.budget === 'soft') decision.reserved = { inputTokens: wi, outputTokens: wo };
    return decision;
  }

  async settle(input: SettleInput): Promise<void> {
    const tw = input.tokenWindow;
    await this.#run(SETTLE, input.key, [
      input.now,
      tw.bucketMs,
      tw.windowMs / tw.bucketMs,
      input.reservedAt,
      Math.ceil(input.reserved.inputTokens),
      Math.ceil(input.reserved.outputTokens),
      Math.ceil(input.actual.inputTokens),
      Math.ceil(input.actual.outputTokens),
      input.id,
      input.refundRequestIn?.bucketMs ?? 0,
      input.refundRequestIn ? input.refundRequestIn.windowMs / input.refundRequestIn.bucketMs : 0,
      input.refundRequests ?? 1,
    ]);
  }

  async renew(input: RenewInput): Promise<void> {
    await this.#run(RENEW, input.key, [input.now, input.id, input.leaseMs]);
  }

  async usage(key: string, now: number, tw: WindowSpec, rw: WindowSpec): Promise<UsageSnapshot> {
    const reply = (await this.#run(USAGE, key, [now, tw.bucketMs, tw.windowMs / tw.bucketMs, rw.bucketMs, rw.windowMs / rw.bucketMs])) as number[];
    const [si, so, sr, sc] = reply.map(Number) as [number, number, number, number];
    return { inputTokens: si, outputTokens: so, requests: sr, concurrent: sc };
  }

  async #run(script: Script, key: string, args: Array<string | number>): Promise<unknown> {
    // One hash tag per counter namespace keeps both keys in one Redis Cluster slot.
    const base = `${this.#prefix}{${key}}`;
    const call = async () => {
      try {
        return await this.#client.evalsha(script.sha, 2, `${base}:b`, `${base}:c`, ...args);
      } catch (err) {
        if (!String((err as Error)?.message).includes('NOSCRIPT')) throw err;
        return this.#client.eval(script.source, 2, `${base}:b`, `${base}:c`, ...args);
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis limit store did not answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
    });
    try {
      return await Promise.race([call(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const RESERVE = script(RESERVE_SCRIPT);
const SETTLE = script(SETTLE_SCRIPT);
const USAGE = script(USAGE_SCRIPT);
const RENEW = script(RENEW_SCRIPT);
