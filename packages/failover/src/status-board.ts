import type { ProviderFigures } from './provider-figures.js';
import type { HealthStatus, ProviderHealth } from './provider-health.js';

/** One provider's status change on the board. */
export interface BoardChange {
  provider: string;
  status: HealthStatus;
  previous?: HealthStatus;
}

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, down: 2 };

/**
 * The worse of two statuses.
 * @example worstStatus('degraded', 'down') // 'down'
 */
export function worstStatus(a: HealthStatus, b: HealthStatus): HealthStatus {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The statuses the status streams report: per provider, the worse of this instance's tracker
 * and what the shared figures earn (so a provider failing on another instance shows here too).
 * This instance's changes are pushed at once; the shared figures are re-read every `refreshMs`
 * while anyone watches.
 *
 * @example
 * const board = new StatusBoard(health, figures, { windowMs: 300_000, refreshMs: 5000 });
 * const off = board.watch((change) => send(change));
 */
export class StatusBoard {
  readonly #health: ProviderHealth;
  readonly #figures: ProviderFigures;
  readonly #windowMs: number;
  readonly #refreshMs: number;
  readonly #shared = new Map<string, HealthStatus>();
  readonly #statuses = new Map<string, HealthStatus>();
  readonly #watchers = new Set<(change: BoardChange) => void>();
  #off?: () => void;
  #timer?: NodeJS.Timeout;

  constructor(health: ProviderHealth, figures: ProviderFigures, options: { windowMs: number; refreshMs: number }) {
    this.#health = health;
    this.#figures = figures;
    this.#windowMs = options.windowMs;
    this.#refreshMs = options.refreshMs;
  }

  /** Every provider with its current status, sorted by name. */
  current(): Array<{ provider: string; status: HealthStatus }> {
    if (!this.#off) this.#recompute();
    return [...this.#statuses].sort(([a], [b]) => a.localeCompare(b)).map(([provider, status]) => ({ provider, status }));
  }

  /** Follow changes; the first watcher starts the refresh timer, the last one stops it. Returns the unsubscribe function. */
  watch(listener: (change: BoardChange) => void): () => void {
    if (this.#watchers.size === 0) this.#start();
    this.#watchers.add(listener);
    return () => {
      this.#watchers.delete(listener);
      if (this.#watchers.size === 0) this.#stop();
    };
  }

  /** Re-read the shared figures now and push what changed. */
  async refresh(): Promise<void> {
    const figures = await this.#figures.window(this.#windowMs);
    this.#shared.clear();
    for (const [provider, f] of figures) {
      const n = f.counts.ok + f.counts.fail;
      this.#shared.set(provider, this.#health.judge(n, n ? f.counts.fail / n : 0));
    }
    this.#recompute();
  }

  #start(): void {
    this.#recompute(false);
    this.#off = this.#health.onChange(() => this.#recompute());
    this.#timer = setInterval(() => void this.refresh().catch(() => undefined), this.#refreshMs);
    this.#timer.unref();
    void this.refresh().catch(() => undefined);
  }

  #stop(): void {
    this.#off?.();
    this.#off = undefined;
    clearInterval(this.#timer);
  }

  #recompute(notify = true): void {
    const local = new Map(this.#health.list().map((p) => [p.name, p.status]));
    for (const provider of new Set([...local.keys(), ...this.#shared.keys()])) {
      const status = worstStatus(local.get(provider) ?? 'healthy', this.#shared.get(provider) ?? 'healthy');
      const previous = this.#statuses.get(provider);
      if (previous === status) continue;
      this.#statuses.set(provider, status);
      if (!notify || (previous === undefined && status === 'healthy')) continue;
      const change = { provider, status, ...(previous ? { previous } : {}) };
      for (const watcher of this.#watchers) watcher(change);
    }
  }
}
