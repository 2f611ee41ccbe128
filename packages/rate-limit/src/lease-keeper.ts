import type { LimitStore } from './store.js';

/** One concurrency lease being kept alive. */
interface HeldLease {
  key: string;
  id: string;
  fallback?: boolean;
}

/**
 * Keeps the concurrency leases of running requests alive: leases are short (a crashed
 * instance's slots free up within one lease) and one timer per limiter renews every lease
 * still held, three times per lease. A renewal that fails is only reported by the store: the
 * lease then runs out, which frees the slot rather than locking the key out.
 *
 * @example
 * const keeper = new LeaseKeeper(store, 30_000, Date.now);
 * keeper.hold({ key: 'k:key_1', id }); … keeper.release('k:key_1', id);
 */
export class LeaseKeeper {
  readonly #held = new Map<string, HeldLease>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: LimitStore,
    private readonly leaseMs: number,
    private readonly now: () => number,
  ) {}

  /** Leases currently kept alive. */
  get size(): number {
    return this.#held.size;
  }

  hold(lease: HeldLease): void {
    this.#held.set(`${lease.key}\n${lease.id}`, lease);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#renewAll(), Math.max(1, Math.floor(this.leaseMs / 3)));
      this.#timer.unref();
    }
  }

  release(key: string, id: string): void {
    this.#held.delete(`${key}\n${id}`);
    if (this.#held.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #renewAll(): void {
    const now = this.now();
    for (const lease of this.#held.values()) {
      this.store.renew({ ...lease, now, leaseMs: this.leaseMs }).catch(() => undefined);
    }
  }
}
