/**
 * A child abort signal linked to parents, with an optional deadline, that is cheap on the hot
 * path: one AbortController and plain listeners that are removed on `dispose()`. Node 20's
 * `AbortSignal.any` / `AbortSignal.timeout` keep weak references and finalizers per call,
 * which showed up as GC pressure and per-request cost under load.
 * @module
 */

/** A linked abort: aborts when any parent does, when its deadline passes, or when asked. */
export interface LinkedAbort {
  readonly signal: AbortSignal;
  /** True once the deadline fired (the reason is then the deadline's). */
  readonly timedOut: boolean;
  /** Abort now. Without a reason a shared, pre-built one is used (no DOMException per call). */
  abort(reason?: unknown): void;
  /** Stop listening to the parents and clear the deadline. Idempotent; call when the work is done. */
  dispose(): void;
}

const DEFAULT_REASON = Object.freeze(new Error('Aborted'));

/**
 * Link a child signal to `parents` (undefined entries ignored) and an optional deadline.
 * @example
 * const call = linkAbort([exchange.signal], 30_000, () => new Error('deadline'));
 * try { await work(call.signal) } finally { call.dispose() }
 */
export function linkAbort(parents: readonly (AbortSignal | undefined)[], timeoutMs = 0, timeoutReason?: () => unknown): LinkedAbort {
  const controller = new AbortController();
  const signal = controller.signal;
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const listening: AbortSignal[] = [];
  const onParentAbort = function (this: AbortSignal) {
    abort(this.reason);
  };
  function abort(reason: unknown = DEFAULT_REASON) {
    if (!signal.aborted) controller.abort(reason);
    dispose();
  }
  function dispose() {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    for (const parent of listening.splice(0)) parent.removeEventListener('abort', onParentAbort);
  }
  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      abort(parent.reason);
      return { signal, timedOut, abort, dispose };
    }
    parent.addEventListener('abort', onParentAbort, { once: true });
    listening.push(parent);
  }
  if (timeoutMs > 0) {
    timer = setTimeout(() => {
      timedOut = true;
      abort(timeoutReason ? timeoutReason() : new Error(`Timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref?.();
  }
  return {
    signal,
    get timedOut() {
      return timedOut;
    },
    abort,
    dispose,
  };
}
