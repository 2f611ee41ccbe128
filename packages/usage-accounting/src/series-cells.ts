/**
 * Counter and gauge increments kept in plain cells and handed to prom-client when it collects.
 * prom-client builds and hashes a label string on every `inc` (about 1 µs in a busy gateway),
 * and a request makes about ten (its attempt, status, tokens, cost, the key's series): 3-4 % of
 * the main thread under load. A cell is found through nested Maps keyed by the label values
 * themselves, and a scrape hands each cell's sum to prom-client once. Histograms keep their
 * bucket counts in cells too ({@link CellHistogram}) and render them in prom-client's format.
 * @module
 */
import { Counter, Gauge, type Metric, type Registry } from 'prom-client';

/**
 * Cells by label values, through nested Maps keyed by the values themselves (no label string
 * built per lookup), created on first use. With no label names there is one cell.
 */
class LabelTree<C> {
  readonly #root = new Map<string, unknown>();
  /** Every cell, in the order they were created (the order a scrape lists series in). */
  readonly all: C[] = [];

  constructor(
    readonly labelNames: readonly string[],
    private readonly create: (labels: Record<string, string>) => C,
  ) {
    if (labelNames.length > 4) throw new RangeError('at most 4 label names');
  }

  cell(a?: string, b?: string, c?: string, d?: string): C {
    const n = this.labelNames.length;
    if (n === 0) return (this.all[0] ??= this.create({}));
    let map = this.#root;
    for (let i = 0; i < n - 1; i++) {
      const value = pick(i, a, b, c, d);
      let next = map.get(value) as Map<string, unknown> | undefined;
      if (!next) map.set(value, (next = new Map()));
      map = next;
    }
    const value = pick(n - 1, a, b, c, d);
    let cell = map.get(value) as C | undefined;
    if (cell === undefined) {
      const labels: Record<string, string> = {};
      for (let i = 0; i < n; i++) labels[this.labelNames[i]!] = pick(i, a, b, c, d);
      map.set(value, (cell = this.create(labels)));
      this.all.push(cell);
    }
    return cell;
  }

  clear(): void {
    this.#root.clear();
    this.all.length = 0;
  }
}

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
  readonly #tree: LabelTree<Cell>;
  readonly #queued: Cell[] = [];

  /** `monotonic`: a counter's cells, which ignore negative values as prom-client would refuse them. */
  constructor(
    readonly labelNames: readonly string[],
    private readonly monotonic = false,
  ) {
    if (labelNames.length < 1) throw new RangeError('SeriesCells: 1 to 4 label names');
    this.#tree = new LabelTree(labelNames, (labels) => ({ labels, pending: 0, queued: false }));
  }

  /**
   * Add `value` to the series of these label values, in `labelNames` order. A value prom-client
   * would refuse (not finite; negative on a counter) is dropped here, so that a scrape never throws.
   */
  add(value: number, a: string, b?: string, c?: string, d?: string): void {
    if (!Number.isFinite(value) || (this.monotonic && value < 0)) return;
    const cell = this.#tree.cell(a, b, c, d);
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
}

function pick(i: number, a: string | undefined, b: string | undefined, c: string | undefined, d: string | undefined): string {
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

/** One label set's observations. */
interface HistogramCell {
  readonly labels: Record<string, string>;
  /** Observations per bucket (the first bound at or above the value); the last slot: above every bound. */
  readonly counts: number[];
  sum: number;
  count: number;
}

/** A series' line as prom-client lists it: the series' labels as `sharedLabels`, `le` as `labels`. */
interface ExportValue {
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
  metricName: string;
  exemplar?: null;
}

/** A histogram as prom-client's registry reads it (`getForPromString`, `get`). */
interface HistogramData {
  name: string;
  help: string;
  type: string;
  values: ExportValue[];
  aggregator: string;
}

/** What {@link cellHistogram} is declared with (as prom-client's Histogram). */
export interface CellHistogramOptions extends CellMetricOptions {
  /** Upper bounds, ascending. */
  buckets: readonly number[];
}

/**
 * A histogram whose observations go into cells (a bucket count array per label set) and that
 * renders itself for prom-client's registry exactly as prom-client's own `Histogram` does (same
 * lines, same order; a test compares the two). prom-client's `observe` validates the labels and
 * builds and hashes a label string per call, ~1.7 µs in a busy gateway, on every attempt and
 * every request; a cell is found through nested Maps by the label values.
 *
 * Registered on the registries given, like a prom-client metric (`registry.metrics()`,
 * `getMetricsAsJSON()`, `resetMetrics()`); only `observe` differs: label values in
 * `labelNames` order, not a labels object.
 * @example
 * const latency = cellHistogram({ name: 'x_seconds', help: 'x', labelNames: ['provider'], buckets: [0.1, 1], registers: [registry] });
 * latency.observe(0.25, 'openai');
 */
export class CellHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly #bounds: readonly number[];
  readonly #tree: LabelTree<HistogramCell>;

  constructor(options: CellHistogramOptions) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = [...options.labelNames];
    if (this.labelNames.includes('le')) throw new Error('le is a reserved label keyword');
    const bounds = [...options.buckets];
    for (let i = 1; i < bounds.length; i++) if (!(bounds[i - 1]! < bounds[i]!)) throw new RangeError(`${options.name}: buckets must be ascending`);
    this.#bounds = bounds;
    this.#tree = new LabelTree(this.labelNames, (labels) => ({ labels, counts: new Array<number>(bounds.length + 1).fill(0), sum: 0, count: 0 }));
    // prom-client lists an unlabelled histogram from the start, with zero counts.
    if (this.labelNames.length === 0) this.#tree.cell();
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** Count `value` in the series of these label values (in `labelNames` order). A value that is not finite is dropped. */
  observe(value: number, a?: string, b?: string, c?: string, d?: string): void {
    if (!Number.isFinite(value)) return;
    const cell = this.#tree.cell(a, b, c, d);
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    cell.counts[i]!++;
    cell.sum += value;
    cell.count++;
  }

  /** Forget every series (prom-client's `reset`: an unlabelled histogram then lists nothing until observed). */
  reset(): void {
    this.#tree.clear();
  }

  /** What the registry renders as text: prom-client's `getForPromString` shape. */
  async getForPromString(): Promise<HistogramData> {
    const values: ExportValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const cell of this.#tree.all) {
      const sharedLabels = cell.labels;
      let cumulative = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        cumulative += cell.counts[i]!;
        values.push({ labels: { le: this.#bounds[i]! }, value: cumulative, metricName: bucket, exemplar: null, sharedLabels });
      }
      values.push({ labels: { le: '+Inf' }, value: cell.count, metricName: bucket, exemplar: null, sharedLabels });
      values.push({ labels: {}, value: cell.sum, metricName: `${this.name}_sum`, exemplar: undefined, sharedLabels });
      values.push({ labels: {}, value: cell.count, metricName: `${this.name}_count`, exemplar: undefined, sharedLabels });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The JSON view (`registry.getMetricsAsJSON()`): the series' labels and `le` in one object. */
  async get(): Promise<HistogramData> {
    const data = await this.getForPromString();
    data.values = data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }));
    return data;
  }
}

/** A {@link CellHistogram}, registered. */
export function cellHistogram(options: CellHistogramOptions): CellHistogram {
  return new CellHistogram(options);
}
