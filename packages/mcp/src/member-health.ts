import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

/** What the gateway last saw of a member: `unknown` until it was first contacted. */
export type MemberStatus = 'up' | 'down' | 'unknown';

/** A member's health as the admin API shows it. */
export interface MemberHealthView {
  status: MemberStatus;
  breaker: 'closed' | 'open' | 'half_open';
  /** Bounded message of the last failure that counted against the member. */
  lastError?: string;
  lastOkAt?: number;
  lastFailureAt?: number;
}

/** Errors that say nothing about the member's health (the caller cancelled). */
const NOT_COUNTED = new WeakSet<object>();

/**
 * Whether an error counts against a member: it did not answer (network, closed connection,
 * timeout). A JSON-RPC error it sent back (unknown tool, bad arguments) means it is alive.
 */
export function isMemberFailure(err: unknown): boolean {
  if (typeof err === 'object' && err !== null && NOT_COUNTED.has(err)) return false;
  if (err instanceof McpError) return err.code === ErrorCode.ConnectionClosed || err.code === ErrorCode.RequestTimeout;
  return true;
}

/**
 * The shared health of one member of a profile: one cockatiel circuit breaker (consecutive
 * failures open it; after the cool-down one call probes), built once and used by every
 * session, plus what the admin API reports.
 */
export class MemberHealth {
  readonly #breaker: CircuitBreakerPolicy;
  #view: MemberHealthView = { status: 'unknown', breaker: 'closed' };

  constructor(
    settings: { failures: number; coolDownMs: number },
    private readonly now: () => number,
    /** A change of status; `previous` is `unknown` on the first contact. */
    private readonly onStatus: (up: boolean, previous: MemberStatus) => void,
  ) {
    this.#breaker = circuitBreaker(handleWhen(isMemberFailure), { halfOpenAfter: settings.coolDownMs, breaker: new ConsecutiveBreaker(settings.failures) });
  }

  /** Whether calls may go to the member now (breaker closed or letting a probe through). */
  get available(): boolean {
    return this.#breaker.state !== CircuitState.Open && this.#breaker.state !== CircuitState.Isolated;
  }

  /**
   * Run one upstream operation through the breaker. When `signal` (the caller's) aborts, or
   * `callersFault` says so, the failure is not the member's. A member whose breaker is open
   * fails fast with cockatiel's `BrokenCircuitError`.
   */
  async execute<T>(fn: () => Promise<T>, signal?: AbortSignal, callersFault?: (err: unknown) => boolean): Promise<T> {
    try {
      const value = await this.#breaker.execute(async () => {
        try {
          return await fn();
        } catch (err) {
          if ((signal?.aborted || callersFault?.(err)) && typeof err === 'object' && err !== null) NOT_COUNTED.add(err);
          throw err;
        }
      });
      this.#record(undefined);
      return value;
    } catch (err) {
      // A JSON-RPC error it answered with shows it alive; the caller's own fault shows nothing.
      if (isMemberFailure(err)) {
        if (!(err instanceof BrokenCircuitError)) this.#record(err);
      } else if (err instanceof McpError) this.#record(undefined);
      throw err;
    }
  }

  /** Snapshot for the admin API. */
  view(): MemberHealthView {
    const state = this.#breaker.state;
    const breaker = state === CircuitState.Closed ? 'closed' : state === CircuitState.HalfOpen ? 'half_open' : 'open';
    return { ...this.#view, breaker, status: breaker === 'open' ? 'down' : this.#view.status };
  }

  #record(err: unknown): void {
    const before = this.#view.status;
    if (err === undefined) this.#view = { ...this.#view, status: 'up', lastOkAt: this.now() };
    else this.#view = { ...this.#view, status: 'down', lastFailureAt: this.now(), lastError: describe(err) };
    if (this.#view.status !== before) this.onStatus(this.#view.status === 'up', before);
  }
}

/** A short, single-line description of a failure (no stack, bounded). */
export function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s+/g, ' ').slice(0, 200);
}
