import { CircuitState, type IBreaker } from 'cockatiel';

/** When a breaker opens and when it closes again. */
export interface HybridBreakerSettings {
  /** Consecutive failures that open the circuit. */
  consecutiveFailures: number;
  /** Failure ratio (0..1) over the last `windowSize` calls that opens it, once `minimumRequests` were seen. */
  failureRatio: number;
  minimumRequests: number;
  windowSize: number;
  /** Successes after the half-open probe before the circuit counts as closed; a failure before that re-opens it. */
  successThreshold: number;
}

/**
 * A cockatiel {@link IBreaker} that opens on consecutive failures OR a failure ratio, and
 * keeps a probation after the half-open probe succeeded (cockatiel closes on one success;
 * a config's `success_threshold` may want several).
 */
export class HybridBreaker implements IBreaker {
  #consecutive = 0;
  #window: boolean[] = [];
  #probation = 0;

  constructor(private readonly settings: HybridBreakerSettings) {}

  get state(): unknown {
    return { consecutive: this.#consecutive, window: [...this.#window], probation: this.#probation };
  }

  set state(value: unknown) {
    const v = value as { consecutive?: number; window?: boolean[]; probation?: number } | undefined;
    this.#consecutive = v?.consecutive ?? 0;
    this.#window = v?.window ? [...v.window] : [];
    this.#probation = v?.probation ?? 0;
  }

  success(state: CircuitState): void {
    if (state === CircuitState.HalfOpen) {
      this.#reset();
      this.#probation = Math.max(0, this.settings.successThreshold - 1);
      return;
    }
    this.#consecutive = 0;
    if (this.#probation > 0) this.#probation--;
    this.#push(true);
  }

  failure(state: CircuitState): boolean {
    if (state === CircuitState.HalfOpen || this.#probation > 0) {
      this.#reset();
      return true;
    }
    this.#consecutive++;
    this.#push(false);
    const failures = this.#window.reduce((n, ok) => (ok ? n : n + 1), 0);
    const open =
      this.#consecutive >= this.settings.consecutiveFailures ||
      (this.#window.length >= this.settings.minimumRequests && failures / this.#window.length >= this.settings.failureRatio);
    if (open) this.#reset();
    return open;
  }

  /** Whether the breaker is still proving itself after a half-open probe. */
  get onProbation(): boolean {
    return this.#probation > 0;
  }

  #push(ok: boolean): void {
    this.#window.push(ok);
    if (this.#window.length > this.settings.windowSize) this.#window.shift();
  }

  #reset(): void {
    this.#consecutive = 0;
    this.#window = [];
    this.#probation = 0;
  }
}
