/**
 * An attempt's own deadline (a stream's first token, a non-stream call's whole answer) as one
 * timer. A cockatiel `TimeoutPolicy` cost an AbortController, a listener on the caller's signal
 * and a promise race per call, on every request.
 * @module
 */

/** An attempt that missed its deadline: no first token (or no answer) within `ms`. */
export class AttemptDeadlineError extends Error {
  constructor(readonly ms: number) {
    super(`No first token within ${ms} ms`);
    this.name = 'AttemptDeadlineError';
  }
}

/**
 * Settles as `work` does, or rejects with an {@link AttemptDeadlineError} once `ms` have passed
 * (after calling `abort` with it, so the call stops too), whichever comes first. A call that
 * ignores its abort still cannot hold the attempt past the deadline. `ms` <= 0: no deadline.
 * @example
 * const result = await withinDeadline(adapter.invoke(call, { signal: upstream.signal }), 30_000, (e) => upstream.abort(e));
 */
export function withinDeadline<T>(work: Promise<T>, ms: number, abort: (reason: AttemptDeadlineError) => void): Promise<T> {
  if (!(ms > 0)) return work;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new AttemptDeadlineError(ms);
      abort(error);
      reject(error);
    }, ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
