import { EventEmitter } from 'node:events';
import type { Exchange, Settlement } from './exchange.js';
import type { Attempt, FailureKind, Target } from './types.js';

/**
 * Every event Switchyard emits, by name. Metrics and logs subscribe to these; pieces never
 * call metrics directly.
 */
export interface GatewayEvents {
  'exchange.start': { exchange: Exchange };
  'exchange.settled': { exchange: Exchange; settlement: Settlement };
  'attempt.start': { exchange: Exchange; attempt: Attempt };
  'attempt.end': { exchange: Exchange; attempt: Attempt };
  'retry': { exchange: Exchange; target: Target; attempt: number; delayMs: number; kind: FailureKind };
  'failover': { exchange: Exchange; from: Target; to: Target; kind: FailureKind };
  'giveup': { exchange: Exchange; attempts: readonly Attempt[] };
  'breaker.open': { target: Target };
  'breaker.half_open': { target: Target };
  'breaker.close': { target: Target };
  'provider.status': { provider: string; status: 'healthy' | 'degraded' | 'down'; previous?: string };
  'key.revoked': { keyId: string };
}

/**
 * A typed event bus over node's EventEmitter. Listener errors are isolated: one subscriber
 * failing never breaks a request.
 *
 * @example
 * const events = new EventBus();
 * events.on('failover', ({ from, to, kind }) => counter.inc({ from: from.provider, to: to.provider, reason: kind }));
 */
export class EventBus<E extends object = GatewayEvents> {
  readonly #emitter = new EventEmitter({ captureRejections: false });

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  on<K extends keyof E & string>(name: K, listener: (payload: E[K]) => void): () => void {
    this.#emitter.on(name, listener);
    return () => this.#emitter.off(name, listener);
  }

  once<K extends keyof E & string>(name: K, listener: (payload: E[K]) => void): void {
    this.#emitter.once(name, listener);
  }

  emit<K extends keyof E & string>(name: K, payload: E[K]): void {
    // Fast path: most events have no listener on the hot path.
    if (this.#emitter.listenerCount(name) === 0) return;
    // rawListeners, not listeners: calling a `once` wrapper removes it, calling the unwrapped
    // function (what listeners() returns) would leave it subscribed for ever.
    for (const listener of this.#emitter.rawListeners(name) as Array<(p: E[K]) => void>) {
      try {
        listener(payload);
      } catch {
        // Subscribers (metrics, logs) must not break requests.
      }
    }
  }

  listenerCount(name: keyof E & string): number {
    return this.#emitter.listenerCount(name);
  }
}
