/**
 * Memory over a run: constant moderate load (half the connections JSON, half streams) for a
 * fixed time, sampling the system under test's RSS and heapUsed every second, to tell a flat
 * line from a leak.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import type { ChildMemory } from './child.js';
import { CHAT_PATH, REQUEST_HEADERS, requestBody, type Mode } from './requests.js';
import type { RunningChild } from './spawn.js';
import { trend } from './stats.js';

/** How to run the memory scenario against one system. */
export interface MemoryRunOptions {
  origin: string;
  /** The system under test's child: its memory is sampled. */
  target: RunningChild;
  /** Connections in all, split evenly between JSON and streams. */
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
  /** 2xx responses per second, JSON and streams together. */
  rps: number;
  /** Socket errors, timeouts and non-2xx answers. */
  errors: number;
  /** Before the load (after a forced GC when `gc`). */
  idleBefore: ChildMemory;
  /** 1 s after the load (after a forced GC when `gc`). */
  idleAfter: ChildMemory;
  samples: MemorySample[];
  rss: { start: number; end: number; max: number };
  heapUsed: { start: number; end: number; max: number };
  /** Least-squares slope of heapUsed over the second half of the run, and its standard error. */
  heapSlope: number;
  heapSlopeError: number;
  /** Same for RSS. */
  rssSlope: number;
  /** heapSlope / rps: bytes of heap kept per request, if the slope were a leak. */
  heapBytesPerRequest: number;
  /** Whether every sample followed a forced GC. */
  gc: boolean;
  /** heapUsed grows over the second half by more than noise: see {@link leakSuspected}. */
  leak: boolean;
}

/**
 * The leak verdict: the heapUsed slope over the second half is above 10 KB/s and more than three
 * standard errors above zero. Under load a live heap wobbles by hundreds of KB with what is in
 * flight; a real per-request leak at hundreds of requests per second climbs far faster than that.
 */
export function leakSuspected(slope: number, slopeError: number): boolean {
  return slope > 10 * 1024 && (Number.isNaN(slopeError) || slope > 3 * slopeError);
}

function load(origin: string, mode: Mode, connections: number, durationS: number): ReturnType<typeof autocannon> {
  return autocannon({
    url: `${origin}${CHAT_PATH}`,
    method: 'POST',
    headers: REQUEST_HEADERS,
    body: requestBody(mode),
    connections,
    duration: durationS,
    timeout: 10,
  });
}

/**
 * Runs the load and the sampling together; resolves when both are done.
 * @example
 * const r = await runMemory({ origin, target, connections: 16, durationS: 30, sampleMs: 1_000, gc: true });
 */
export async function runMemory(options: MemoryRunOptions): Promise<MemoryRunResult> {
  const idleBefore = await options.target.stats(options.gc);
  const half = Math.max(1, Math.floor(options.connections / 2));
  const instances = [load(options.origin, 'json', half, options.durationS), load(options.origin, 'stream', options.connections - half || 1, options.durationS)];
  const started = performance.now();
  let running = true;
  const finished = Promise.all(instances).finally(() => {
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
  const results = await finished;
  await sleep(1_000);
  const idleAfter = await options.target.stats(options.gc);

  const durationS = Math.max(...results.map((r) => r.duration));
  const ok = results.reduce((n, r) => n + r['2xx'], 0);
  const secondHalf = samples.filter((s) => s.t >= options.durationS / 2);
  const heap = trend(secondHalf.map((s) => s.t), secondHalf.map((s) => s.heapUsed));
  const rss = trend(secondHalf.map((s) => s.t), secondHalf.map((s) => s.rss));
  const rps = ok / durationS;
  const summary = (key: 'rss' | 'heapUsed'): { start: number; end: number; max: number } => ({
    start: samples[0]?.[key] ?? Number.NaN,
    end: samples.at(-1)?.[key] ?? Number.NaN,
    max: Math.max(...samples.map((s) => s[key])),
  });
  return {
    durationS,
    rps,
    errors: results.reduce((n, r) => n + r.errors + r.non2xx, 0),
    idleBefore: idleBefore.memory,
    idleAfter: idleAfter.memory,
    samples,
    rss: summary('rss'),
    heapUsed: summary('heapUsed'),
    heapSlope: heap.slope,
    heapSlopeError: heap.slopeError,
    rssSlope: rss.slope,
    heapBytesPerRequest: rps > 0 ? heap.slope / rps : Number.NaN,
    gc: allGc && idleBefore.gc && idleAfter.gc,
    leak: leakSuspected(heap.slope, heap.slopeError),
  };
}
