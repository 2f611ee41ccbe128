/**
 * Counter and gauge increments kept in plain cells and handed to prom-client when it collects.
 * prom-client builds and hashes a label string on every `inc` (about 1 µs in a busy gateway),
 * and a request makes about ten (its attempt, status, tokens, cost, the key's series): 3-4 % of
 * the main thread under load. A cell is found through nested Maps keyed by the label values
 * themselves, and a scrape hands each cell's sum to prom-client once.
 * @module
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** One label set's increments since the last collect. */
interface Cell {
  readonly labels: Record<string, string>;
  pending: number;
  queued: boolean;
}

/**
 * The cells of one counter or gauge, one per label set (the same series prom-client would
 * hold). Pass `drain` the metric's own `inc` from its `collect`, so every read of the metric
 * (`registry.metrics()`, `metric.get()`) sees every increment.
 * @example
 * const cells = new SeriesCells(['provider', 'outcome']);
 * const attempts = new Counter({ name, help, labelNames: ['provider', 'outcome'], collect() { cells.drain((l, v) => this.inc(l, v)); } });
 * cells.add(1, 'openai', 'success');
 */
export class SeriesCells {
  readonly #root = new Map<string, unknown>();
  readonly #queued: Cell[] = [];

  /** `monotonic`: a counter's cells, which ignore negative values as prom-client would refuse them. */
  constructor(
    readonly labelNames: readonly string[],
    private readonly monotonic = false,
  ) {
    if (labelNames.length < 1 || labelNames.length > 4) throw new RangeError('SeriesCells: 1 to 4 label names');
  }

  /**
   * Add `value` to the series of these label values, in `labelNames` order. A value prom-client
   * would refuse (not finite; negative on a counter) is dropped here, so that a scrape never throws.
   */
  add(value: number, a: string, b?: string, c?: string, d?: string): void {
    if (!Number.isFinite(value) || (this.monotonic && value < 0)) return;
    const cell = this.#cell(a, b, c, d);
    cell.pending += value;
    if (!cell.queued) {
      cell.queued = true;
      this.#queued.push(cell);
    }
  }

  /** Hand every series changed since the last drain to `apply`, with its sum, and start again. */
  drain(apply: (labels: Record<string, string>, value: number) => void): void {
    const queued = this.#queued.splice(0);
    for (const cell of queued) {
      const value = cell.pending;
      cell.pending = 0;
      cell.queued = false;
      apply(cell.labels, value);
    }
  }

  #cell(a: string, b: string | undefined, c: string | undefined, d: string | undefined): Cell {
    const last = this.labelNames.length - 1;
    let map = this.#root;
    for (let i = 0; i < last; i++) {
      const value = pick(i, a, b, c, d);
      let next = map.get(value) as Map<string, unknown> | undefined;
      if (!next) map.set(value, (next = new Map()));
      map = next;
    }
    const value = pick(last, a, b, c, d);
    let cell = map.get(value) as Cell | undefined;
    if (!cell) {
      const labels: Record<string, string> = {};
      for (let i = 0; i <= last; i++) labels[this.labelNames[i]!] = pick(i, a, b, c, d);
      map.set(value, (cell = { labels, pending: 0, queued: false }));
    }
    return cell;
  }
}

function pick(i: number, a: string, b: string | undefined, c: string | undefined, d: string | undefined): string {
  return (i === 0 ? a : i === 1 ? b : i === 2 ? c : d) ?? '';
}

/** What a cell-fed metric is declared with (as prom-client's own options). */
export interface CellMetricOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
  registers: Registry[];
}

/**
 * A prom-client counter, registered, fed through cells: count with the returned cells' `add`.
 * @example const requests = cellCounter({ name: 'x_total', help: 'x', labelNames: ['provider'], registers }); requests.add(1, 'openai');
 */
export function cellCounter(options: CellMetricOptions): SeriesCells {
  const cells = new SeriesCells(options.labelNames, true);
  new Counter({
    ...options,
    labelNames: [...options.labelNames],
    collect() {
      cells.drain((labels, value) => this.inc(labels, value));
    },
  });
  return cells;
}

/** A prom-client gauge, registered, fed through cells: `add` +1 / -1 as things start and end. */
export function cellGauge(options: CellMetricOptions): SeriesCells {
  const cells = new SeriesCells(options.labelNames);
  new Gauge({
    ...options,
    labelNames: [...options.labelNames],
    collect() {
      cells.drain((labels, value) => (value < 0 ? this.dec(labels, -value) : this.inc(labels, value)));
    },
  });
  return cells;
}
