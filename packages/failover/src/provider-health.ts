import { SampleWindow, type Sample } from './sample-window.js';
import { type EventBus, type FailureKind, everyModel, type ModelLabel } from '@switchyard/core';
import type { HttpTransport, ProviderAdapter } from '@switchyard/providers';
import { modelsEndpointCheck } from './health-probe.js';

/** Health of one provider (or one model of it). */
export type HealthStatus = 'healthy' | 'degraded' | 'down';

/** One active check of a provider: a cheap call (list models), never a paid completion. */
export interface ActiveCheck {
  /** Rejects when the provider is unreachable or answers an error. */
  probe: (signal: AbortSignal) => Promise<void>;
  /** Defaults to 30000. */
  intervalMs?: number;
  /** Defaults to 5000. */
  timeoutMs?: number;
}

/** Options of {@link ProviderHealth}. */
export interface ProviderHealthOptions {
  /** Bus the executor emits on: health listens to `attempt.end` and `breaker.*`, and emits `provider.status`. Required. */
  events: EventBus;
  /** Providers listed even before any traffic. Defaults to none. */
  providers?: string[];
  /** Clock in ms. Defaults to Date.now. */
  now?: () => number;
  /** Window for error rate, latency and uptime. Defaults to 300000 (5 min). */
  windowMs?: number;
  /** Samples in the window before an error rate counts. Defaults to 5. */
  minSamples?: number;
  /** Error rate at which a provider is degraded. Defaults to 0.1. */
  degradedErrorRate?: number;
  /** Error rate at which a provider is down. Defaults to 0.5. */
  downErrorRate?: number;
  /** Active checks per provider name. Defaults to none (passive health only). */
  checks?: Record<string, ActiveCheck>;
  /** The name per-model health is kept under (models outside a catalog in one bucket). Defaults to the model as is. */
  modelLabel?: ModelLabel;
  /**
   * Opt in to the default active check: list each provider's models (`GET {base_url}/models`,
   * Anthropic `GET {base}/v1/models`) through `transport` with the provider's credential. Never
   * a completion. Providers with their own entry in `checks`, or of a type without a models
   * endpoint, are left alone. Defaults to off.
   */
  modelsCheck?: {
    adapters: ReadonlyMap<string, ProviderAdapter> | ((provider: string) => ProviderAdapter | undefined);
    transport: HttpTransport;
    /** Providers to check. Defaults to `providers`, else every adapter in the Map. */
    providers?: string[];
    /** Defaults to 30000. */
    intervalMs?: number;
    /** Defaults to 5000. */
    timeoutMs?: number;
    /** Per-provider endpoint override (config `health_check.endpoint`). Defaults to each provider's models endpoint. */
    endpoints?: Record<string, string>;
  };
}

/** What `GET /providers` lists per provider. */
export interface ProviderReport {
  name: string;
  status: HealthStatus;
  latency_ms: number | null;
  error_rate: number;
  uptime: number;
  requests: number;
  circuit: 'closed' | 'open' | 'half_open';
  last_check: string | null;
  error: string | null;
  models: Array<{ name: string; status: HealthStatus; circuit: 'closed' | 'open' | 'half_open'; requests: number; error_rate: number }>;
}

/** Kinds that say nothing about the provider's health (the request's own fault). */
const CLIENT_FAULTS = new Set<FailureKind>(['bad_request', 'content_policy', 'context_length']);

/**
 * Provider health: passive from live traffic (every attempt's outcome and latency) plus
 * optional active checks, with circuit state from the breakers. Emits `provider.status` on
 * every status change.
 *
 * @example
 * const health = new ProviderHealth({ events, providers: ['openai', 'anthropic'] });
 * health.start(); // active checks, if any
 */
export class ProviderHealth {
  readonly #o: Required<Omit<ProviderHealthOptions, 'checks' | 'providers' | 'modelsCheck' | 'modelLabel'>> & { checks: Record<string, ActiveCheck> };
  readonly #samples = new Map<string, SampleWindow>();
  readonly #circuits = new Map<string, Map<string, 'closed' | 'open' | 'half_open'>>();
  readonly #checks = new Map<string, { at: number; ok: boolean; latencyMs: number; error: string | null }>();
  readonly #status = new Map<string, HealthStatus>();
  readonly #listeners = new Set<(change: { provider: string; status: HealthStatus; previous?: HealthStatus }) => void>();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #unsubscribe: Array<() => void> = [];
  readonly #label: ModelLabel;

  constructor(options: ProviderHealthOptions) {
    if (!options?.events) throw new TypeError('ProviderHealth: `events` is required');
    this.#label = options.modelLabel ?? everyModel;
    this.#o = {
      events: options.events,
      now: options.now ?? Date.now,
      windowMs: options.windowMs ?? 300_000,
      minSamples: options.minSamples ?? 5,
      degradedErrorRate: options.degradedErrorRate ?? 0.1,
      downErrorRate: options.downErrorRate ?? 0.5,
      checks: { ...defaultChecks(options), ...options.checks },
    };
    for (const p of [...(options.providers ?? []), ...Object.keys(this.#o.checks)]) this.#ensure(p);
    const ev = options.events;
    this.#unsubscribe.push(
      ev.on('attempt.end', ({ attempt }) => {
        if (attempt.outcome === 'aborted' || attempt.outcome === 'pending' || attempt.outcome === 'rejected') return;
        if (attempt.failureKind && CLIENT_FAULTS.has(attempt.failureKind)) return;
        const ok = attempt.outcome === 'success';
        const latencyMs = attempt.firstByteAt !== undefined ? attempt.firstByteAt - attempt.startedAt : undefined;
        this.record(attempt.target.provider, { ok, latencyMs, model: this.#label(attempt.target.provider, attempt.target.model) });
      }),
      ev.on('breaker.open', ({ target }) => this.#circuit(target.provider, this.#label(target.provider, target.model), 'open')),
      ev.on('breaker.half_open', ({ target }) => this.#circuit(target.provider, this.#label(target.provider, target.model), 'half_open')),
      ev.on('breaker.close', ({ target }) => this.#circuit(target.provider, this.#label(target.provider, target.model), 'closed')),
    );
  }

  /** Record one outcome by hand (the executor's events do this for live traffic). */
  record(provider: string, sample: { ok: boolean; latencyMs?: number; model?: string }): void {
    const window = this.#ensure(provider);
    window.push(this.#o.now(), sample);
    this.#trim(window);
    this.#evaluate(provider);
  }

  /** Start the active checks (unref'd timers). */
  start(): void {
    for (const [provider, check] of Object.entries(this.#o.checks)) {
      const timer = setInterval(() => void this.checkNow(provider), check.intervalMs ?? 30_000);
      timer.unref();
      this.#timers.push(timer);
    }
  }

  /** Stop active checks and stop listening to events. */
  stop(): void {
    for (const t of this.#timers.splice(0)) clearInterval(t);
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#listeners.clear();
  }

  /** Run the active checks now (all, or one provider's). */
  async checkNow(provider?: string): Promise<void> {
    const names = provider ? [provider] : Object.keys(this.#o.checks);
    await Promise.all(
      names.map(async (name) => {
        const check = this.#o.checks[name];
        if (!check) return;
        const started = this.#o.now();
        const signal = AbortSignal.timeout(check.timeoutMs ?? 5_000);
        let error: string | null = null;
        try {
          await check.probe(signal);
        } catch (err) {
          error = signal.aborted ? `Health check timed out after ${check.timeoutMs ?? 5_000} ms` : err instanceof Error ? err.message : 'Health check failed';
        }
        const at = this.#o.now();
        this.#checks.set(name, { at, ok: error === null, latencyMs: at - started, error });
        this.#evaluate(name);
      }),
    );
  }

  /** Listen to status changes. Returns an unsubscribe function. */
  onChange(listener: (change: { provider: string; status: HealthStatus; previous?: HealthStatus }) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Every known provider with its status. */
  list(): ProviderReport[] {
    return [...this.#samples.keys()].sort().map((name) => this.report(name)!);
  }

  /** One provider's report, or undefined when unknown. */
  report(name: string): ProviderReport | undefined {
    const window = this.#samples.get(name);
    if (!window) return undefined;
    this.#trim(window);
    const list = window.list();
    const stats = summarise(list);
    const check = this.#checks.get(name);
    const circuits = this.#circuits.get(name) ?? new Map();
    const models = new Set([...circuits.keys(), ...list.map((s) => s.model).filter((m): m is string => !!m)]);
    return {
      name,
      status: this.#compute(name),
      latency_ms: stats.latency ?? check?.latencyMs ?? null,
      error_rate: stats.errorRate,
      uptime: stats.uptime,
      requests: list.length,
      circuit: [...circuits.values()].includes('open') ? 'open' : [...circuits.values()].includes('half_open') ? 'half_open' : 'closed',
      last_check: check ? new Date(check.at).toISOString() : null,
      error: check?.error ?? null,
      models: [...models].sort().map((model) => {
        const s = summarise(list.filter((x) => x.model === model));
        const circuit = circuits.get(model) ?? 'closed';
        const status: HealthStatus =
          circuit === 'open'
            ? 'down'
            : circuit === 'half_open' || (s.errorRate >= this.#o.degradedErrorRate && s.count >= this.#o.minSamples)
              ? 'degraded'
              : 'healthy';
        return { name: model, status, circuit, requests: s.count, error_rate: s.errorRate };
      }),
    };
  }

  /**
   * The status outcome counts alone earn by this tracker's thresholds (no checks, no breakers):
   * for figures gathered elsewhere, e.g. across instances.
   * @example health.judge(40, 0.6) // 'down'
   */
  judge(requests: number, errorRate: number): HealthStatus {
    if (requests < this.#o.minSamples) return 'healthy';
    return errorRate >= this.#o.downErrorRate ? 'down' : errorRate >= this.#o.degradedErrorRate ? 'degraded' : 'healthy';
  }

  /** The `GET …/providers/:name/health` body. */
  health(name: string): { name: string; status: HealthStatus; latency_ms: number | null; last_check: string | null; error: string | null } | undefined {
    const r = this.report(name);
    return r && { name: r.name, status: r.status, latency_ms: r.latency_ms, last_check: r.last_check, error: r.error };
  }

  #compute(name: string): HealthStatus {
    const window = this.#samples.get(name);
    const s = { count: window?.size ?? 0, errorRate: window?.errorRate ?? 0 };
    const check = this.#checks.get(name);
    const circuits = [...(this.#circuits.get(name)?.values() ?? [])];
    if (check && !check.ok) return 'down';
    if (circuits.length > 0 && circuits.every((c) => c === 'open')) return 'down';
    if (s.count >= this.#o.minSamples && s.errorRate >= this.#o.downErrorRate) return 'down';
    if (circuits.some((c) => c !== 'closed')) return 'degraded';
    if (s.count >= this.#o.minSamples && s.errorRate >= this.#o.degradedErrorRate) return 'degraded';
    return 'healthy';
  }

  #evaluate(name: string): void {
    const status = this.#compute(name);
    const previous = this.#status.get(name);
    if (previous === status) return;
    this.#status.set(name, status);
    if (previous === undefined && status === 'healthy') return;
    this.#o.events.emit('provider.status', { provider: name, status, ...(previous ? { previous } : {}) });
    for (const l of this.#listeners) {
      try {
        l({ provider: name, status, ...(previous ? { previous } : {}) });
      } catch {
        // a listener (an SSE client) failing must not stop the others
      }
    }
  }

  #circuit(provider: string, model: string, state: 'closed' | 'open' | 'half_open'): void {
    this.#ensure(provider);
    let m = this.#circuits.get(provider);
    if (!m) this.#circuits.set(provider, (m = new Map()));
    m.set(model, state);
    this.#evaluate(provider);
  }

  #ensure(provider: string): SampleWindow {
    let window = this.#samples.get(provider);
    if (!window) {
      this.#samples.set(provider, (window = new SampleWindow()));
      this.#status.set(provider, 'healthy');
    }
    return window;
  }

  #trim(window: SampleWindow): void {
    window.trim(this.#o.now() - this.#o.windowMs);
  }
}

function summarise(list: Sample[]): { count: number; errorRate: number; uptime: number; latency?: number } {
  const count = list.length;
  const failures = list.filter((s) => !s.ok).length;
  const lat = list.map((s) => s.latencyMs).filter((l): l is number => typeof l === 'number');
  return {
    count,
    errorRate: count ? failures / count : 0,
    uptime: count ? (count - failures) / count : 1,
    ...(lat.length ? { latency: Math.round(lat.reduce((a, b) => a + b, 0) / lat.length) } : {}),
  };
}

function defaultChecks(options: ProviderHealthOptions): Record<string, ActiveCheck> {
  const m = options.modelsCheck;
  if (!m) return {};
  if (!m.transport || typeof m.transport.request !== 'function') throw new TypeError('ProviderHealth: modelsCheck.transport must be an HttpTransport');
  const lookup = typeof m.adapters === 'function' ? m.adapters : (name: string) => (m.adapters as ReadonlyMap<string, ProviderAdapter>).get(name);
  const names = m.providers ?? options.providers ?? (typeof m.adapters === 'function' ? [] : [...m.adapters.keys()]);
  const out: Record<string, ActiveCheck> = {};
  for (const name of names) {
    const adapter = lookup(name);
    const check = adapter && modelsEndpointCheck(adapter, m.transport, { intervalMs: m.intervalMs, timeoutMs: m.timeoutMs, endpoint: m.endpoints?.[name] });
    if (check) out[name] = check;
  }
  return out;
}
