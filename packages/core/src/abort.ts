/**
 * Aborts for the pipeline's own chain (the exchange, a failover run, an attempt) that cost no
 * AbortSignal unless something asks for one.
 *
 * A Node 20 `AbortSignal` is an EventTarget: making one, adding a listener and removing it cost
 * CPU, and the signal does not die young (each one that is listened to or aborted survives into
 * the old generation: about 0.5 KB per signal, measured with `--trace-gc-nvp`). A request used
 * three of them. A {@link LinkedAbort} keeps its state in plain fields and its listeners in an
 * array; `signal` makes a standard AbortSignal on first read, for the APIs that need one (an
 * adapter's `fetch`, a timer). `AbortSignal.any` / `AbortSignal.timeout` cost weak references and
 * finalizers per call on top, so they are not used on the hot path either.
 * @module
 */

/**
 * What a piece needs to follow an abort: its state and an `abort` listener. An `AbortSignal`
 * is one, and so is a {@link LinkedAbort}; undici accepts either as a request's `signal`.
 */
export interface AbortWatch {
  readonly aborted: boolean;
  readonly reason: unknown;
  /** `listener` runs once, with no argument, when this aborts. */
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A linked abort: aborts when any parent does, when its deadline passes, or when asked. */
export interface LinkedAbort extends AbortWatch {
  /** The same abort as a standard AbortSignal, made on first read. */
  readonly signal: AbortSignal;
  /** True once the deadline fired (the reason is then the deadline's). */
  readonly timedOut: boolean;
  /** Abort now. Without a reason a shared, pre-built one is used (no DOMException per call). */
  abort(reason?: unknown): void;
  /** Stop listening to the parents and clear the deadline. Idempotent; call when the work is done. */
  dispose(): void;
}

const DEFAULT_REASON = Object.freeze(new Error('Aborted'));

class Link implements LinkedAbort {
  aborted = false;
  reason: unknown = undefined;
  timedOut = false;
  #listeners: Array<() => void> | undefined;
  #controller: AbortController | undefined;
  #parents: AbortWatch[] | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #onParentAbort = (): void => {
    const parent = this.#parents?.find((p) => p.aborted);
    this.abort(parent ? parent.reason : DEFAULT_REASON);
  };

  constructor(parents: readonly (AbortWatch | undefined)[], timeoutMs: number, timeoutReason?: () => unknown) {
    for (const parent of parents) {
      if (!parent) continue;
      if (parent.aborted) {
        this.abort(parent.reason);
        return;
      }
      parent.addEventListener('abort', this.#onParentAbort, { once: true });
      (this.#parents ??= []).push(parent);
    }
    if (timeoutMs > 0) {
      this.#timer = setTimeout(() => {
        this.timedOut = true;
        this.abort(timeoutReason ? timeoutReason() : new Error(`Timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#timer.unref?.();
    }
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return;
    const listeners = (this.#listeners ??= []);
    // As an EventTarget: the same listener twice is one listener.
    if (!listeners.includes(listener)) listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.#listeners;
    const at = listeners ? listeners.indexOf(listener) : -1;
    if (at >= 0) listeners!.splice(at, 1);
  }

  // `abort` and `dispose` are bound (callers hand them on as callbacks).
  readonly abort = (reason: unknown = DEFAULT_REASON): void => {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.dispose();
    this.#controller?.abort(reason);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        listener();
      } catch (err) {
        // As an EventTarget does: one listener's error neither stops the others nor the caller.
        process.nextTick(() => {
          throw err;
        });
      }
    }
  };

  readonly dispose = (): void => {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const parents = this.#parents;
    if (!parents) return;
    this.#parents = undefined;
    for (const parent of parents) parent.removeEventListener('abort', this.#onParentAbort);
  };
}

/**
 * Link a child abort to `parents` (undefined entries ignored) and an optional deadline.
 * @example
 * const call = linkAbort([exchange.abortWatch], 30_000, () => new Error('deadline'));
 * try { await work(call) } finally { call.dispose() }
 */
export function linkAbort(parents: readonly (AbortWatch | undefined)[], timeoutMs = 0, timeoutReason?: () => unknown): LinkedAbort {
  return new Link(parents, timeoutMs, timeoutReason);
}
