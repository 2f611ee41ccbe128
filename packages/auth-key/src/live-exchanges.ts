import { LiveList, type Exchange } from '@switchyard/core';
import { unauthorized } from './errors.js';

/**
 * The exchanges in flight per key id, so a revocation can cut them off. An exchange leaves
 * the registry when it settles. Each key's exchanges are a `LiveList`, not a Set: a Set kept
 * every settled exchange's objects alive until the next full GC (see core's `LiveList`).
 */
export class LiveExchanges {
  readonly #byKey = new Map<string, LiveList<Exchange>>();

  /** Register an exchange under a key id until it settles. */
  track(keyId: string, exchange: Exchange): void {
    let live = this.#byKey.get(keyId);
    if (!live) this.#byKey.set(keyId, (live = new LiveList()));
    const entry = live.add(exchange);
    exchange.onSettled(() => {
      live.delete(entry);
      if (live.size === 0 && this.#byKey.get(keyId) === live) this.#byKey.delete(keyId);
    });
  }

  /**
   * Abort every exchange of a key with the authentication error; returns how many. The
   * executor turns the abort reason into an in-band error event on a stream.
   */
  cut(keyId: string): number {
    const live = this.#byKey.get(keyId);
    if (!live) return 0;
    this.#byKey.delete(keyId);
    const exchanges = live.values();
    for (const exchange of exchanges) exchange.abort(unauthorized());
    return exchanges.length;
  }

  /** The key ids with exchanges in flight. */
  keyIds(): string[] {
    return [...this.#byKey.keys()];
  }

  /** Number of exchanges in flight for a key. */
  count(keyId: string): number {
    return this.#byKey.get(keyId)?.size ?? 0;
  }
}
