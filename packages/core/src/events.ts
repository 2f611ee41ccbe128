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
  retry: { exchange: Exchange; target: Target; attempt: number; delayMs: number; kind: FailureKind };
  failover: { exchange: Exchange; from: Target; to: Target; kind: FailureKind };
  giveup: { exchange: Exchange; attempts: readonly Attempt[] };
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
/** Options of {@link EventBus}. */
export interface EventBusOptions {
  /**
   * Called with the error when a listener throws (the other listeners and the request go on).
   * Defaults to a handler that ignores it; the gateway logs it.
   */
  onListenerError?: (error: unknown, event: string) => void;
}

interface Shared {
  emitter: EventEmitter;
  options: EventBusOptions;
}

// How scope() hands its parent's emitter to the child without a public constructor argument.
const SHARED = Symbol('EventBus.shared');

export class EventBus<E extends object = GatewayEvents> {
  readonly #shared: Shared;
  /** Unsubscribers of a scope's listeners (undefined on the root bus). */
  readonly #owned: Set<() => void> | undefined;

  constructor(options: EventBusOptions = {}) {
    const shared = (options as { [SHARED]?: Shared })[SHARED];
    this.#owned = shared ? new Set() : undefined;
    this.#shared = shared ?? { emitter: new EventEmitter({ captureRejections: false }), options: { ...options } };
    this.#shared.emitter.setMaxListeners(0);
  }

  /** Where listener errors go from now on (every scope of this bus included). */
  set onListenerError(handler: EventBusOptions['onListenerError']) {
    this.#shared.options.onListenerError = handler;
  }

  /**
   * A view of the same bus whose subscriptions {@link EventBus.dispose} removes at once: what a
   * component that is closed before the bus (a mounted gateway on the app's bus) subscribes through.
   * @example const mine = events.scope(); mine.on('failover', count); …; mine.dispose();
   */
  scope(): EventBus<E> {
    return new EventBus<E>({ [SHARED]: this.#shared } as EventBusOptions);
  }

  /** Remove every listener added through this scope (a no-op on the root bus). */
  dispose(): void {
    if (!this.#owned) return;
    for (const off of this.#owned) off();
    this.#owned.clear();
  }

  on<K extends keyof E & string>(name: K, listener: (payload: E[K]) => void): () => void {
    const emitter = this.#shared.emitter;
    emitter.on(name, listener);
    const off = () => {
      emitter.off(name, listener);
      this.#owned?.delete(off);
    };
    this.#owned?.add(off);
    return off;
  }

  once<K extends keyof E & string>(name: K, listener: (payload: E[K]) => void): void {
    const off = this.on(name, (payload) => {
      off();
      listener(payload);
    });
  }

  emit<K extends keyof E & string>(name: K, payload: E[K]): void {
    // Fast path: most events have no listener on the hot path.
    const emitter = this.#shared.emitter;
    if (emitter.listenerCount(name) === 0) return;
    // rawListeners, not listeners: calling a `once` wrapper removes it, calling the unwrapped
    // function (what listeners() returns) would leave it subscribed for ever.
    for (const listener of emitter.rawListeners(name) as Array<(p: E[K]) => void>) {
      try {
        listener(payload);
      } catch (error) {
        // Subscribers (metrics, logs) must not break requests; their bugs are reported, not lost.
        try {
          this.#shared.options.onListenerError?.(error, name);
        } catch {
          // A failing error handler has nowhere further to report to.
        }
      }
    }
  }

  listenerCount(name: keyof E & string): number {
    return this.#shared.emitter.listenerCount(name);
  }
}
