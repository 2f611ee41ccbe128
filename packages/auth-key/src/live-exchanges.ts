import type { Exchange } from '@switchyard/core';
import { unauthorized } from './errors.js';

/**
 * The exchanges in flight per key id, so a revocation can cut them off. An exchange leaves
 * the registry when it settles.
 */
export class LiveExchanges {
  readonly #byKey = new Map<string, Set<Exchange>>();

  /** Register an exchange under a key id until it settles. */
  track(keyId: string, exchange: Exchange): void {
    let set = this.#byKey.get(keyId);
    if (!set) this.#byKey.set(keyId, (set = new Set()));
    set.add(exchange);
    exchange.onSettled(() => {
      set.delete(exchange);
      if (set.size === 0 && this.#byKey.get(keyId) === set) this.#byKey.delete(keyId);
    });
  }

  /**
   * Abort every exchange of a key with the authentication error; returns how many. The
   * executor turns the abort reason into an in-band error event on a stream.
   */
  cut(keyId: string): number {
    const set = this.#byKey.get(keyId);
    if (!set) return 0;
    this.#byKey.delete(keyId);
    for (const exchange of set) exchange.abort(unauthorized());
    return set.size;
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
