/**
 * Bytes the young-generation GC moved into the old generation: what a request leaves behind
 * for the expensive collector. A bare proxy's request objects all die young (0 KB a request);
 * objects that something long-lived still points to at a scavenge (a Set they passed through,
 * an AbortSignal) are promoted, and the old generation, its major GCs and the RSS grow with
 * them. Measured in the child with `v8.GCProfiler`: per scavenge, old-space bytes after minus
 * before.
 * @module
 */
import { GCProfiler } from 'node:v8';

interface SpaceStats {
  spaceName: string;
  spaceUsedSize: number;
}

interface GcEntry {
  gcType: string;
  beforeGC: { heapSpaceStatistics: SpaceStats[] };
  afterGC: { heapSpaceStatistics: SpaceStats[] };
}

function oldSpaceUsed(spaces: readonly SpaceStats[]): number {
  return spaces.find((s) => s.spaceName === 'old_space')?.spaceUsedSize ?? 0;
}

/** Promoted bytes of the scavenges in a GCProfiler result. */
export function promotedBytes(statistics: readonly GcEntry[]): number {
  let bytes = 0;
  for (const entry of statistics) {
    if (entry.gcType !== 'Scavenge') continue;
    bytes += Math.max(0, oldSpaceUsed(entry.afterGC.heapSpaceStatistics) - oldSpaceUsed(entry.beforeGC.heapSpaceStatistics));
  }
  return bytes;
}

/**
 * A running count of promoted bytes since it was made: each read stops the profiler, adds its
 * scavenges and starts it again.
 * @example const meter = promotionMeter(); … meter.read() // bytes so far
 */
export function promotionMeter(): { read(): number } {
  let total = 0;
  let profiler = new GCProfiler();
  profiler.start();
  return {
    read() {
      const result = profiler.stop() as { statistics: GcEntry[] } | undefined;
      total += promotedBytes(result?.statistics ?? []);
      profiler = new GCProfiler();
      profiler.start();
      return total;
    },
  };
}
