/**
 * `npm run bench`: measures a direct call, a bare node:http proxy and the gateway (undici and got
 * transports) against one local upstream, for JSON and streamed chat completions, and prints
 * the gateway's overhead against the proxy's. The upstream and each system under test run in
 * their own child process; the load generator runs here.
 *
 * Flags: --quick (2 s per scenario), --json (also write results to --out, default
 * bench/results.json), --systems a,b (subset of direct,proxy,gateway-undici,gateway-got),
 * --connections N (32), --duration S (6), --warmup S (1), --streams N (200).
 * @module
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkAnswer, timeStreams } from './client.js';
import { runLoad } from './load.js';
import { loadTable, overheads, streamTable, SYSTEMS, TRANSPORTS, verdicts, type Measurement, type SystemId } from './report.js';
import { MODES } from './requests.js';
import { benchWorkDir, removeBenchWorkDir, startChild, type RunningChild } from './spawn.js';
import { UPSTREAM_SIZES } from './upstream.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    out: { type: 'string', default: fileURLToPath(new URL('../results.json', import.meta.url)) },
    systems: { type: 'string', default: SYSTEMS.join(',') },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    streams: { type: 'string' },
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
};
const systems = values.systems.split(',').map((s) => s.trim()) as SystemId[];
for (const s of systems) if (!SYSTEMS.includes(s)) throw new TypeError(`unknown system ${s}; known: ${SYSTEMS.join(', ')}`);
// Overheads are against direct and proxy, so they always run.
const selected = SYSTEMS.filter((s) => s === 'direct' || s === 'proxy' || systems.includes(s));

const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function measure(system: SystemId, upstream: RunningChild): Promise<Measurement[]> {
  const child = system === 'direct' ? undefined : await startChild(system, upstream.port);
  const origin = `http://127.0.0.1:${child?.port ?? upstream.port}`;
  try {
    for (const mode of MODES) await checkAnswer(origin, mode);
    const out: Measurement[] = [];
    for (const mode of MODES) {
      progress(`  ${system} ${mode}: ${settings.connections} connections, ${settings.warmupS} s warm-up + ${settings.durationS} s`);
      const load = await runLoad({ origin, mode, connections: settings.connections, durationS: settings.durationS, warmupS: settings.warmupS });
      const streams = mode === 'stream' ? await timeStreams(origin, { count: settings.streams, warmup: settings.streamWarmup }) : undefined;
      out.push({ system, mode, load, ...(streams ? { streams } : {}) });
    }
    return out;
  } finally {
    await child?.stop();
  }
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const loadBefore = loadavg();
  progress(`switchyard bench: ${cpus().length} cores, Node ${process.versions.node}, load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);
  const upstream = await startChild('upstream');
  const measurements: Measurement[] = [];
  const skipped: Array<{ system: SystemId; reason: string }> = [];
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
  const loadAfter = loadavg();

  const out = process.stdout;
  out.write(`\nLoad: ${settings.connections} connections, ${settings.durationS} s per scenario after ${settings.warmupS} s warm-up; latency in ms over 2xx responses; +p50/+p99 = added over direct; overhead = added(system) / added(proxy)\n\n`);
  out.write(`${loadTable(measurements)}\n\n`);
  out.write(`Streams one at a time over one connection (${settings.streams} after ${settings.streamWarmup} warm-up), TTFB = request sent to first body byte\n\n`);
  out.write(`${streamTable(measurements)}\n\n`);
  for (const line of verdicts(measurements)) out.write(`${line}\n`);
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
