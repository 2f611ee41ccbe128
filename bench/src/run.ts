/**
 * `npm run bench`: measures a direct call, a bare node:http proxy and the gateway (undici and got
 * transports) against one local upstream, for JSON and streamed chat completions, and prints
 * the gateway's overhead against the proxy's. The upstream and each system under test run in
 * their own child process; the load generator runs here.
 *
 * Flags: --quick (2 s per scenario), --json (also write results to --out, default
 * bench/results.json), --systems a,b (subset of direct,proxy,koa-undici,gateway-undici,gateway-full,gateway-workers,gateway-got),
 * --connections N (32), --duration S (6), --warmup S (1), --streams N (200).
 *
 * Opt-in scenarios (bench/README.md): --memory (the memory soak: mixed traffic), --concurrency
 * (10,000 concurrent streams), --all (the default run, then both). --memory and --concurrency
 * alone skip the default run. Their settings: --memory-duration S (300, 20 with --quick),
 * --memory-connections N (16), --memory-interval S (5, 1 under 60 s), --concurrent K (10000, 1000 with --quick), --ramp N (200),
 * --interval S (2), --plateau S (5), --upstream-connections N (K; 0 for the transport default).
 * @module
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkAnswer, timeJson, timeStreams } from './client.js';
import { runLoad } from './load.js';
import { NOISE_FLOOR } from './memory.js';
import {
  BUDGETS,
  growthTable,
  loadTable,
  overheads,
  streamTable,
  SYSTEMS,
  TRANSPORTS,
  verdicts,
  type GrowthRow,
  type Measurement,
  type SystemId,
} from './report.js';
import { BENCH_CLIENT_KEYS, MODES } from './requests.js';
import { concurrencyTable, memoryTable, type ConcurrencyRow, type MemoryRow } from './scenario-report.js';
import { concurrencyScenario, memoryScenario, type FdReport } from './scenarios.js';
import { SOAK_MIX } from './soak-traffic.js';
import { benchWorkDir, removeBenchWorkDir, startChild, type RunningChild } from './spawn.js';
import { UPSTREAM_SIZES } from './upstream.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    out: { type: 'string', default: fileURLToPath(new URL('../results.json', import.meta.url)) },
    systems: { type: 'string' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    streams: { type: 'string' },
    memory: { type: 'boolean', default: false },
    concurrency: { type: 'boolean', default: false },
    all: { type: 'boolean', default: false },
    'memory-duration': { type: 'string' },
    'memory-connections': { type: 'string', default: '16' },
    'memory-interval': { type: 'string' },
    concurrent: { type: 'string' },
    ramp: { type: 'string', default: '200' },
    interval: { type: 'string', default: '2' },
    plateau: { type: 'string', default: '5' },
    'upstream-connections': { type: 'string' },
  },
});

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new TypeError(`--${name} must be a non-negative number, got ${raw}`);
  return n;
}

const settings = {
  connections: positive('connections', values.connections),
  durationS: positive('duration', values.duration ?? (values.quick ? '2' : '6')),
  warmupS: positive('warmup', values.warmup ?? '1'),
  streams: positive('streams', values.streams ?? (values.quick ? '50' : '200')),
  streamWarmup: 20,
  growthCount: values.quick ? 30 : 100,
};
// Prompt sizes of the growth scenario (issue 14: cost that grows like the proxy's).
const GROWTH_SIZES = [1024, ...BUDGETS.growthSizes] as const;
const growth: GrowthRow[] = [];
const systems = (values.systems ?? SYSTEMS.join(',')).split(',').map((s) => s.trim()) as SystemId[];
for (const s of systems) if (!SYSTEMS.includes(s)) throw new TypeError(`unknown system ${s}; known: ${SYSTEMS.join(', ')}`);
// Overheads are against direct and proxy, so they always run.
const selected = SYSTEMS.filter((s) => s === 'direct' || s === 'proxy' || systems.includes(s));

const runs = {
  load: values.all || !(values.memory || values.concurrency),
  memory: values.all || values.memory,
  concurrency: values.all || values.concurrency,
};
// The memory scenarios compare the full-stack gateway against the bare proxy unless --systems
// names others (direct has no process of its own to measure).
const memorySystems: SystemId[] = values.systems ? systems.filter((s) => s !== 'direct') : ['proxy', 'gateway-full'];
const memoryDurationS = positive('memory-duration', values['memory-duration'] ?? (values.quick ? '20' : '300'));
const concurrent = positive('concurrent', values.concurrent ?? (values.quick ? '1000' : '10000'));
const scenarioSettings = {
  memory: {
    connections: positive('memory-connections', values['memory-connections']),
    durationS: memoryDurationS,
    sampleS: Math.max(0.1, positive('memory-interval', values['memory-interval'] ?? (memoryDurationS >= 60 ? '5' : '1'))),
  },
  concurrency: {
    streams: concurrent,
    ramp: Math.max(1, positive('ramp', values.ramp)),
    intervalMs: positive('interval', values.interval) * 1000,
    plateauMs: positive('plateau', values.plateau) * 1000,
    establishTimeoutMs: 30_000,
    finishTimeoutMs: 10_000,
    upstreamConnections: positive('upstream-connections', values['upstream-connections'] ?? String(concurrent)),
  },
};

const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function measure(system: SystemId, upstream: RunningChild): Promise<Measurement[]> {
  // --expose-gc only lets the harness collect between scenarios (see the growth scenario below).
  const child = system === 'direct' ? undefined : await startChild(system, upstream.port, { execArgv: [...process.execArgv, '--expose-gc'] });
  const origin = `http://127.0.0.1:${child?.port ?? upstream.port}`;
  try {
    for (const mode of MODES) await checkAnswer(origin, mode);
    const out: Measurement[] = [];
    for (const mode of MODES) {
      progress(`  ${system} ${mode}: ${settings.connections} connections, ${settings.warmupS} s warm-up + ${settings.durationS} s`);
      // The warm-up runs on its own so that the child's CPU time can be read around the measured part.
      if (settings.warmupS > 0) await runLoad({ origin, mode, connections: settings.connections, durationS: settings.warmupS, warmupS: 0 });
      const before = child ? await child.stats(false) : undefined;
      const load = await runLoad({ origin, mode, connections: settings.connections, durationS: settings.durationS, warmupS: 0 });
      const after = child ? await child.stats(false) : undefined;
      const answered = load.requests + load.non2xx;
      const cpu =
        before && after && answered > 0
          ? {
              cpuUsPerRequest: (after.cpuUs - before.cpuUs) / answered,
              rssAfter: after.memory.rss,
              promotedKbPerRequest: (after.promotedBytes - before.promotedBytes) / 1024 / answered,
            }
          : {};
      const streams = mode === 'stream' ? await timeStreams(origin, { count: settings.streams, warmup: settings.streamWarmup }) : undefined;
      out.push({ system, mode, load, ...cpu, ...(streams ? { streams } : {}) });
    }
    // The load runs just before leave a grown old space whose collection would land in this
    // scenario's few hundred requests (one run measured 8.5 ms at 400 KB, 2.6-2.9 ms on its own):
    // collect it first and let the process settle, so the scenario measures the request path.
    await child?.stats(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const p50: Record<number, number> = {};
    for (const promptBytes of GROWTH_SIZES) p50[promptBytes] = await timeJson(origin, { promptBytes, count: settings.growthCount, warmup: 5 });
    growth.push({ system, p50 });
    return out;
  } finally {
    await child?.stop();
  }
}

async function loadScenarios(skipped: Array<{ system: SystemId; reason: string }>): Promise<Measurement[]> {
  const upstream = await startChild('upstream');
  const measurements: Measurement[] = [];
  try {
    for (const system of selected) {
      try {
        measurements.push(...(await measure(system, upstream)));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (system === 'direct' || system === 'proxy') throw error;
        progress(`  ${system} skipped: ${reason}`);
        skipped.push({ system, reason });
      }
    }
  } finally {
    await upstream.stop();
  }
  const out = process.stdout;
  out.write(
    `\nLoad: ${settings.connections} connections, ${settings.durationS} s per scenario after ${settings.warmupS} s warm-up; latency in ms over 2xx responses; +p50/+p99 = added over direct; overhead = added(system) / added(proxy)\n\n`,
  );
  out.write(`${loadTable(measurements)}\n\n`);
  out.write(
    `Streams one at a time over one connection (${settings.streams} after ${settings.streamWarmup} warm-up), TTFB = request sent to first body byte\n\n`,
  );
  out.write(`${streamTable(measurements)}\n\n`);
  out.write(
    `Prompt growth: ${settings.growthCount} JSON requests per size one at a time over one connection (after 5 warm-up), p50 ms; +p50 = added over direct; vs proxy = added / proxy's added\n\n`,
  );
  out.write(`${growthTable(growth, GROWTH_SIZES)}\n\n`);
  out.write(`Budgets (docs/ARCHITECTURE.md §7), figures from the tables above\n\n`);
  for (const line of verdicts(measurements, growth, GROWTH_SIZES[0])) out.write(`${line}\n`);
  return measurements;
}

function printMemory(rows: readonly MemoryRow[]): void {
  const { connections, durationS, sampleS } = scenarioSettings.memory;
  const mix = `${SOAK_MIX.length}-request cycle: ${[...new Set(SOAK_MIX)].map((k) => `${SOAK_MIX.filter((x) => x === k).length} ${k}`).join(', ')}`;
  process.stdout.write(`\nMemory soak: ${connections} connections of mixed traffic (${mix}; ${BENCH_CLIENT_KEYS.length} client keys) for ${durationS} s\n`);
  process.stdout.write(
    `RSS and heapUsed sampled every ${sampleS} s after a forced GC (child run with --expose-gc); slope = least squares over the second half (after warm-up), with its 95% interval;\n`,
  );
  process.stdout.write(
    `flat = the interval reaches 0, or the slope is at most the noise floor (heap ${NOISE_FLOOR.heapUsed / 1024} KB/s, RSS ${NOISE_FLOOR.rss / 1024} KB/s: bench/src/memory.ts says why)\n\n`,
  );
  process.stdout.write(`${memoryTable(rows)}\n`);
}

function printConcurrency(rows: readonly ConcurrencyRow[], fds: FdReport): void {
  const c = scenarioSettings.concurrency;
  const limits = [
    `ulimit -n at start ${fds.initial ?? 'unknown'}`,
    `client ${fds.client ?? '?'}`,
    `upstream ${fds.upstream ?? '?'}`,
    ...Object.entries(fds.systems).map(([s, n]) => `${s} ${n ?? '?'}`),
  ];
  process.stdout.write(
    `\nConcurrent streams: one client connection per stream, ${c.ramp} being established at a time; the upstream sends a chunk every ${c.intervalMs / 1000} s and ends every stream ${c.plateauMs / 1000} s after the last one is established; gateway transport: ${c.upstreamConnections || 'default (128)'} upstream sockets per origin\n`,
  );
  process.stdout.write(
    `RSS peak: largest of samples every 0.5 s; heap open: heapUsed after a forced GC with every stream open; RSS/stream = (peak - before) / established; before/after: after a forced GC\n`,
  );
  process.stdout.write(`open-file limits: ${limits.join(', ')}\n\n`);
  process.stdout.write(`${concurrencyTable(rows)}\n`);
  for (const { system, result } of rows) if (result.errors.length > 0) process.stdout.write(`${system} errors: ${result.errors.join('; ')}\n`);
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const loadBefore = loadavg();
  progress(`switchyard bench: ${cpus().length} cores, Node ${process.versions.node}, load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);
  const skipped: Array<{ system: SystemId; reason: string }> = [];
  const skip = (system: SystemId, reason: string): void => {
    progress(`  ${system} skipped: ${reason}`);
    skipped.push({ system, reason });
  };
  const measurements = runs.load ? await loadScenarios(skipped) : [];
  let memory: MemoryRow[] | undefined;
  if (runs.memory) {
    progress('memory over a run');
    memory = await memoryScenario(memorySystems, scenarioSettings.memory, progress, skip);
    printMemory(memory);
  }
  let concurrency: { rows: ConcurrencyRow[]; fds: FdReport } | undefined;
  if (runs.concurrency) {
    progress('concurrent streams');
    concurrency = await concurrencyScenario(memorySystems, scenarioSettings.concurrency, progress, skip);
    printConcurrency(concurrency.rows, concurrency.fds);
  }
  const loadAfter = loadavg();

  const out = process.stdout;
  for (const s of skipped) out.write(`${s.system}: NOT MEASURED: ${s.reason.split('\n')[0]}\n`);
  out.write(`load average before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}\n`);

  if (values.json) {
    const results = {
      date: startedAt.toISOString(),
      node: process.versions.node,
      cores: cpus().length,
      loadavg: { before: loadBefore, after: loadAfter },
      settings,
      upstreamBytes: UPSTREAM_SIZES,
      transports: TRANSPORTS,
      measurements,
      overheads: overheads(measurements),
      growth,
      ...(memory ? { memory: { settings: scenarioSettings.memory, rows: memory } } : {}),
      ...(concurrency ? { concurrency: { settings: scenarioSettings.concurrency, fds: concurrency.fds, rows: concurrency.rows } } : {}),
      skipped,
    };
    writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
    progress(`results written to ${values.out}`);
  }
  if (skipped.length > 0) {
    progress(`children's logs kept in ${benchWorkDir()}`);
    return 1;
  }
  removeBenchWorkDir();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
