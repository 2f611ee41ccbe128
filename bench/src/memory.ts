/**
 * Memory over a run (the soak): mixed traffic (bench/src/soak-traffic.ts) for a fixed time,
 * sampling the system under test's RSS and heapUsed every few seconds, and a verdict on the
 * second half's slope (after warm-up): flat, or growing.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildMemory } from './child.js';
import { runSoakTraffic, type SoakCounts } from './soak-traffic.js';
import type { RunningChild } from './spawn.js';
import { slopeVerdict, type SlopeVerdict } from './stats.js';

/** How to run the memory scenario against one system. */
export interface MemoryRunOptions {
  origin: string;
  /** The system under test's child: its memory is sampled. */
  target: RunningChild;
  /** Connections in all, each cycling through the soak's mix of requests. */
  connections: number;
  durationS: number;
  /** Time between two samples, ms. */
  sampleMs: number;
  /** Force a GC before each sample (the child must run with --expose-gc). */
  gc: boolean;
}

/** One sample: seconds since the load started, and the child's memory. */
export interface MemorySample {
  t: number;
  rss: number;
  heapUsed: number;
}

/** What the memory scenario measured; bytes, and bytes per second for slopes. */
export interface MemoryRunResult {
  durationS: number;
  /** Answers per second: 2xx, non-2xx and streams the client dropped. */
  rps: number;
  /** What the soak's requests got. */
  counts: SoakCounts;
  /** Client-side failures (connection errors, timeouts) that were not deliberate drops. */
  errors: number;
  /** Before the load (after a forced GC when `gc`). */
  idleBefore: ChildMemory;
  /** 1 s after the load (after a forced GC when `gc`). */
  idleAfter: ChildMemory;
  samples: MemorySample[];
  rss: { start: number; end: number; max: number };
  heapUsed: { start: number; end: number; max: number };
  /** Least-squares slope of heapUsed over the second half of the run (bytes/s), its 95% interval and verdict. */
  heap: SlopeVerdict;
  /** Same for RSS. */
  rssTrend: SlopeVerdict;
  /** heap slope / rps: bytes of heap kept per request, if the slope were a leak. */
  heapBytesPerRequest: number;
  /** Whether every sample followed a forced GC. */
  gc: boolean;
  /** Both the heap and RSS are flat over the second half (see {@link slopeVerdict} and {@link NOISE_FLOOR}). */
  flat: boolean;
}

/**
 * Growth the verdict calls noise, in bytes per second, whatever the 95% interval says.
 *
 * heapUsed, 1 KB/s (3.6 MB an hour): at the soak's hundreds of requests per second that is a few
 * bytes per request, less than the smallest thing a per-request leak keeps (a map entry or a
 * closure, 50+ bytes), so any per-request leak lands above it, while below it a 150 s window
 * cannot tell growth from compiled code and caches still settling.
 *
 * RSS, 16 KB/s (58 MB an hour): RSS moves in steps of V8 pages (256 KB) and malloc arenas
 * (up to 64 MB reserved, touched gradually) that the process keeps once grown; two or three such
 * steps in the 150 s second half of a 5-minute soak read as several KB/s with no live object
 * added. A leak that matters for a long-running process (tens of MB an hour) still shows.
 */
export const NOISE_FLOOR = { heapUsed: 1024, rss: 16 * 1024 } as const;

/**
 * Runs the load and the sampling together; resolves when both are done.
 * @example
 * const r = await runMemory({ origin, target, connections: 16, durationS: 300, sampleMs: 5_000, gc: true });
 */
export async function runMemory(options: MemoryRunOptions): Promise<MemoryRunResult> {
  const idleBefore = await options.target.stats(options.gc);
  const started = performance.now();
  let running = true;
  const finished = runSoakTraffic({ origin: options.origin, connections: options.connections, durationS: options.durationS }).finally(() => {
    running = false;
  });
  const samples: MemorySample[] = [];
  let allGc = true;
  for (let next = options.sampleMs; running; next += options.sampleMs) {
    await Promise.race([sleep(Math.max(0, started + next - performance.now())), finished]);
    if (!running) break;
    const { memory, gc } = await options.target.stats(options.gc);
    allGc &&= gc;
    samples.push({ t: (performance.now() - started) / 1000, rss: memory.rss, heapUsed: memory.heapUsed });
  }
  const { durationS, ...counts } = await finished;
  await sleep(1_000);
  const idleAfter = await options.target.stats(options.gc);

  const secondHalf = samples.filter((s) => s.t >= options.durationS / 2);
  const times = secondHalf.map((s) => s.t);
  const heap = slopeVerdict(
    times,
    secondHalf.map((s) => s.heapUsed),
    NOISE_FLOOR.heapUsed,
  );
  const rssTrend = slopeVerdict(
    times,
    secondHalf.map((s) => s.rss),
    NOISE_FLOOR.rss,
  );
  const rps = (counts.ok + counts.non2xx + counts.disconnects) / durationS;
  const summary = (key: 'rss' | 'heapUsed'): { start: number; end: number; max: number } => ({
    start: samples[0]?.[key] ?? Number.NaN,
    end: samples.at(-1)?.[key] ?? Number.NaN,
    max: Math.max(...samples.map((s) => s[key])),
  });
  return {
    durationS,
    rps,
    counts,
    errors: counts.failures,
    idleBefore: idleBefore.memory,
    idleAfter: idleAfter.memory,
    samples,
    rss: summary('rss'),
    heapUsed: summary('heapUsed'),
    heap,
    rssTrend,
    heapBytesPerRequest: rps > 0 ? heap.slope / rps : Number.NaN,
    gc: allGc && idleBefore.gc && idleAfter.gc,
    flat: heap.flat && rssTrend.flat,
  };
}
