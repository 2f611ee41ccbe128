/**
 * Turns measurements into the overhead figures and the table the bench prints. Definitions are
 * in bench/README.md ("How overhead is defined").
 * @module
 */
import type { StreamTiming } from './client.js';
import type { LoadResult } from './load.js';
import type { Mode } from './requests.js';

/** Systems under test, in the order they run and print. */
export const SYSTEMS = ['direct', 'proxy', 'koa-undici', 'gateway-undici', 'gateway-full', 'gateway-workers', 'gateway-got'] as const;
export type SystemId = (typeof SYSTEMS)[number];

/** How each system reaches the upstream. */
export const TRANSPORTS: Record<SystemId, string> = {
  direct: '-',
  proxy: 'node:http',
  'koa-undici': 'undici',
  'gateway-undici': 'undici',
  'gateway-full': 'undici',
  'gateway-workers': 'undici',
  'gateway-got': 'got',
};

/** One system in one mode: load figures, and stream timings for streams. */
export interface Measurement {
  system: SystemId;
  mode: Mode;
  load: LoadResult;
  streams?: StreamTiming;
  /** The system's CPU time (user + system) over the measured part / responses, µs; absent for direct. */
  cpuUsPerRequest?: number;
  /** The system's RSS right after the measured part, bytes; absent for direct. */
  rssAfter?: number;
  /** KB the child's scavenges promoted to the old generation per answered request (promotion.ts). */
  promotedKbPerRequest?: number;
}

/** Overhead of one system in one mode, against `direct` and against `proxy`. */
export interface Overhead {
  system: SystemId;
  mode: Mode;
  /** p50(system) - p50(direct), ms. */
  addedP50: number;
  /** p99(system) - p99(direct), ms. */
  addedP99: number;
  /** addedP50(system) / addedP50(proxy); NaN when the proxy added nothing measurable. */
  ratioP50: number;
  ratioP99: number;
  /** rps(system) / rps(proxy). */
  rpsRatio: number;
  /** ttfbP50(system) - ttfbP50(direct), ms, streams only. */
  addedTtfbP50?: number;
}

function ratio(a: number, b: number): number {
  return b > 0 ? a / b : Number.NaN;
}

/** The measurement of a system in a mode, if it ran. */
function find(measurements: readonly Measurement[], system: SystemId, mode: Mode): Measurement | undefined {
  return measurements.find((m) => m.system === system && m.mode === mode);
}

/** Overheads of every measured system but `direct`, for which a direct and a proxy figure exist. */
export function overheads(measurements: readonly Measurement[]): Overhead[] {
  const out: Overhead[] = [];
  for (const m of measurements) {
    const direct = find(measurements, 'direct', m.mode);
    const proxy = find(measurements, 'proxy', m.mode);
    if (m.system === 'direct' || !direct || !proxy) continue;
    const added = (x: Measurement): [number, number] => [x.load.p50 - direct.load.p50, x.load.p99 - direct.load.p99];
    const [addedP50, addedP99] = added(m);
    const [proxyP50, proxyP99] = added(proxy);
    out.push({
      system: m.system,
      mode: m.mode,
      addedP50,
      addedP99,
      ratioP50: ratio(addedP50, proxyP50),
      ratioP99: ratio(addedP99, proxyP99),
      rpsRatio: ratio(m.load.rps, proxy.load.rps),
      ...(m.streams && direct.streams ? { addedTtfbP50: m.streams.ttfbP50 - direct.streams.ttfbP50 } : {}),
    });
  }
  return out;
}

/** A number with `digits` decimals, or `n/a`. */
export function fmt(n: number | undefined, digits = 2, suffix = ''): string {
  return n === undefined || Number.isNaN(n) ? 'n/a' : `${n.toFixed(digits)}${suffix}`;
}

/** A plain-text table; the first three columns left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The load table: one row per system and mode. */
export function loadTable(measurements: readonly Measurement[]): string {
  const over = overheads(measurements);
  const rows = measurements.map((m) => {
    const o = over.find((x) => x.system === m.system && x.mode === m.mode);
    const bad = m.load.errors + m.load.non2xx;
    return [
      m.system,
      TRANSPORTS[m.system],
      m.mode,
      fmt(m.load.rps, 0),
      fmt(m.load.p50),
      fmt(m.load.p99),
      o ? fmt(o.addedP50) : '',
      o ? fmt(o.addedP99) : '',
      o ? fmt(o.ratioP50, 2, 'x') : '',
      o ? fmt(o.ratioP99, 2, 'x') : '',
      o ? fmt(o.rpsRatio, 2, 'x') : '',
      m.cpuUsPerRequest === undefined ? '' : fmt(m.cpuUsPerRequest, 0),
      m.rssAfter === undefined ? '' : fmt(m.rssAfter / 1e6, 0),
      m.promotedKbPerRequest === undefined ? '' : fmt(m.promotedKbPerRequest, 2),
      bad ? String(bad) : '0',
    ];
  });
  return table(
    [
      'scenario',
      'transport',
      'mode',
      'req/s',
      'p50 ms',
      'p99 ms',
      '+p50 ms',
      '+p99 ms',
      'overhead p50',
      'overhead p99',
      'req/s vs proxy',
      'CPU us/req',
      'RSS MB',
      'promoted KB/req',
      'errors',
    ],
    rows,
  );
}

/** The stream timing table: sequential streams, no load. */
export function streamTable(measurements: readonly Measurement[]): string {
  const over = overheads(measurements);
  const rows = measurements
    .filter((m) => m.streams)
    .map((m) => {
      const s = m.streams as StreamTiming;
      const o = over.find((x) => x.system === m.system && x.mode === m.mode);
      return [
        m.system,
        TRANSPORTS[m.system],
        String(s.count),
        fmt(s.ttfbP50, 3),
        fmt(s.ttfbP99, 3),
        o ? fmt(o.addedTtfbP50, 3) : '',
        fmt(s.totalP50, 3),
        fmt(s.totalP99, 3),
      ];
    });
  return table(['scenario', 'transport', 'streams', 'TTFB p50 ms', 'TTFB p99 ms', '+TTFB p50 ms', 'total p50 ms', 'total p99 ms'], rows);
}

/** The budgets of docs/ARCHITECTURE.md §7 that the default run measures. */
export const BUDGETS = {
  /** req/s at least this fraction of the proxy's, JSON and streams. */
  minThroughputRatio: 0.67,
  /** Unloaded added latency (a small JSON request, the first streamed byte), ms. */
  maxAddedMs: 0.65,
  /** Added latency with large prompts, as a multiple of the proxy's. */
  maxGrowthRatio: 2,
  /** Prompt sizes the growth budget is about. */
  growthSizes: [100 * 1024, 400 * 1024],
  /** RSS after the load runs, as a multiple of the proxy's. */
  maxRssRatio: 2,
} as const;

/**
 * One line per budget of docs/ARCHITECTURE.md §7 and gateway system, with the figures of this
 * run behind it: throughput against the proxy's under load, unloaded added latency (the growth
 * scenario's smallest prompt for JSON, the stream loop's first byte), added latency with large
 * prompts against the proxy's, RSS after the load runs against the proxy's. A figure this run
 * did not measure is `n/a` and its budget `cannot tell`. With the Koa + undici baseline measured,
 * a last line gives its throughput and growth figures: what Koa, one parse, one undici request and
 * one response cost with no feature at all, the floor under the first and third budgets.
 */
export function verdicts(measurements: readonly Measurement[], growth: readonly GrowthRow[] = [], smallPrompt = 1024): string[] {
  const over = overheads(measurements);
  const direct = growth.find((r) => r.system === 'direct');
  const proxyGrowth = growth.find((r) => r.system === 'proxy');
  const addedAt = (r: GrowthRow | undefined, size: number): number => (r && direct ? r.p50[size] - direct.p50[size] : Number.NaN);
  const verdict = (figures: number[], ok: (n: number) => boolean): string =>
    figures.some((n) => Number.isNaN(n)) ? 'cannot tell' : figures.every(ok) ? 'met' : 'NOT met';
  const measured = [...new Set(measurements.map((m) => m.system))];
  const figures = (system: SystemId) => {
    const o = (mode: Mode): Overhead | undefined => over.find((x) => x.system === system && x.mode === mode);
    const own = growth.find((r) => r.system === system);
    return {
      o,
      own,
      rps: [o('json')?.rpsRatio ?? Number.NaN, o('stream')?.rpsRatio ?? Number.NaN],
      growthRatios: BUDGETS.growthSizes.map((size) => addedAt(own, size) / addedAt(proxyGrowth, size)),
    };
  };
  const kb = (size: number): string => `${Math.round(size / 1024)} KB`;
  const largePrompts = (ratios: number[]): string => BUDGETS.growthSizes.map((size, i) => `${kb(size)} ${fmt(ratios[i], 2, 'x')}`).join(', ');
  const lines = measured
    .filter((s) => s.startsWith('gateway'))
    .flatMap((system) => {
      const { o, own, rps, growthRatios } = figures(system);
      const added = [addedAt(own, smallPrompt), o('stream')?.addedTtfbP50 ?? Number.NaN];
      const rss = (['json', 'stream'] as const).map((mode) =>
        ratio(find(measurements, system, mode)?.rssAfter ?? Number.NaN, find(measurements, 'proxy', mode)?.rssAfter ?? Number.NaN),
      );
      return [
        `${system}: throughput >= ${BUDGETS.minThroughputRatio}x the proxy's: json ${fmt(rps[0], 2, 'x')}, stream ${fmt(rps[1], 2, 'x')}: ${verdict(rps, (n) => n >= BUDGETS.minThroughputRatio)}`,
        `${system}: unloaded added latency <= ${BUDGETS.maxAddedMs} ms: json (${kb(smallPrompt)}) ${fmt(added[0], 3)}, first streamed byte ${fmt(added[1], 3)}: ${verdict(added, (n) => n <= BUDGETS.maxAddedMs)}`,
        `${system}: added latency with large prompts <= ${BUDGETS.maxGrowthRatio}x the proxy's: ${largePrompts(growthRatios)}: ${verdict(growthRatios, (n) => n <= BUDGETS.maxGrowthRatio)}`,
        `${system}: RSS after load <= ${BUDGETS.maxRssRatio}x the proxy's: json ${fmt(rss[0], 2, 'x')}, stream ${fmt(rss[1], 2, 'x')}${system === 'gateway-workers' ? ' (the primary and every worker together; the budget is about one process)' : ''}: ${verdict(rss, (n) => n <= BUDGETS.maxRssRatio)}`,
      ];
    });
  if (measured.includes('koa-undici')) {
    const { rps, growthRatios } = figures('koa-undici');
    lines.push(
      `koa-undici, no feature (the floor under throughput and large prompts): throughput json ${fmt(rps[0], 2, 'x')}, stream ${fmt(rps[1], 2, 'x')}; large prompts ${largePrompts(growthRatios)}`,
    );
  }
  return lines;
}

/** Sequential JSON requests with a prompt of a given size: p50 per system and size, ms. */
export interface GrowthRow {
  system: SystemId;
  /** Prompt bytes -> p50 ms. */
  p50: Record<number, number>;
}

/**
 * The prompt growth table: added p50 over direct per prompt size, and that figure divided by
 * the proxy's added p50 at the same size.
 */
export function growthTable(rows: readonly GrowthRow[], sizes: readonly number[]): string {
  const direct = rows.find((r) => r.system === 'direct');
  const proxy = rows.find((r) => r.system === 'proxy');
  const added = (r: GrowthRow, size: number): number => (direct ? r.p50[size] - direct.p50[size] : Number.NaN);
  const kb = (size: number): string => `${Math.round(size / 1024)} KB`;
  const header = ['scenario', 'transport', ...sizes.flatMap((s) => [`${kb(s)} p50 ms`, `+${kb(s)}`, `vs proxy`])];
  const body = rows.map((r) => [
    r.system,
    TRANSPORTS[r.system],
    ...sizes.flatMap((s) => [
      fmt(r.p50[s], 3),
      r.system === 'direct' ? '' : fmt(added(r, s), 3),
      r.system === 'direct' || !proxy ? '' : fmt(added(r, s) / added(proxy, s), 2, 'x'),
    ]),
  ]);
  // table() left-aligns three columns; here the third is a number, which reads fine either way.
  return table(header, body);
}
