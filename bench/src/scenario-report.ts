/** Tables of the concurrency and memory scenarios. */
import type { ConcurrencyResult } from './concurrency.js';
import type { MemoryRunResult } from './memory.js';
import { fmt, table, TRANSPORTS, type SystemId } from './report.js';
import type { SlopeVerdict } from './stats.js';

const MB = 1024 * 1024;
const mb = (bytes: number): string => fmt(bytes / MB, 1);

/** One system's concurrency result. */
export interface ConcurrencyRow {
  system: SystemId;
  result: ConcurrencyResult;
}

/** One system's memory run. */
export interface MemoryRow {
  system: SystemId;
  result: MemoryRunResult;
}

/** Streams established and completed, establishment time, RSS before / peak / after. */
export function concurrencyTable(rows: readonly ConcurrencyRow[]): string {
  return table(
    [
      'system',
      'transport',
      'streams',
      'established',
      'completed',
      'failed',
      'establish s',
      'RSS before MB',
      'RSS peak MB',
      'RSS after MB',
      'RSS/stream KB',
      'heap before MB',
      'heap open MB',
      'heap after MB',
      'heap/stream KB',
      'fds before/open/after',
    ],
    rows.map(({ system, result: r }) => [
      system,
      TRANSPORTS[system],
      String(r.requested),
      String(r.established),
      String(r.completed),
      String(r.failed),
      fmt(r.establishMs / 1000, 1),
      mb(r.before.rss),
      mb(r.peakRss),
      mb(r.after.rss),
      fmt(r.rssPerStream / 1024, 1),
      mb(r.before.heapUsed),
      mb(r.plateau.heapUsed),
      mb(r.after.heapUsed),
      fmt(r.heapPerStream / 1024, 1),
      `${r.fds.before}/${r.fds.open}/${r.fds.after}`,
    ]),
  );
}

const kbs = (bytes: number): string => fmt(bytes / 1024, 1);
const interval = (v: SlopeVerdict): string => `${kbs(v.low)} .. ${kbs(v.high)}`;

/**
 * The soak: answers, RSS and heapUsed start / end / max, each one's second-half slope with its
 * 95% interval and verdict, RSS at the end against the proxy's (issue 14's target 4: <= 2x).
 */
export function memoryTable(rows: readonly MemoryRow[]): string {
  const proxy = rows.find((r) => r.system === 'proxy')?.result;
  return table(
    [
      'system',
      'transport',
      'answers/s',
      'ok/non-2xx/dropped/failed',
      'RSS start MB',
      'RSS end MB',
      'RSS max MB',
      'RSS end / proxy',
      'RSS slope KB/s',
      'RSS 95% KB/s',
      'RSS',
      'heap start MB',
      'heap end MB',
      'heap max MB',
      'heap slope KB/s',
      'heap 95% KB/s',
      'heap',
      'B/req',
      'idle heap before/after MB',
    ],
    rows.map(({ system, result: r }) => [
      system,
      TRANSPORTS[system],
      fmt(r.rps, 0),
      `${r.counts.ok}/${r.counts.non2xx}/${r.counts.disconnects}/${r.counts.failures}`,
      mb(r.rss.start),
      mb(r.rss.end),
      mb(r.rss.max),
      proxy ? fmt(r.rss.end / proxy.rss.end, 2, 'x') : 'n/a',
      kbs(r.rssTrend.slope),
      interval(r.rssTrend),
      r.rssTrend.flat ? 'flat' : 'GROWING',
      mb(r.heapUsed.start),
      mb(r.heapUsed.end),
      mb(r.heapUsed.max),
      kbs(r.heap.slope),
      interval(r.heap),
      r.heap.flat ? 'flat' : 'GROWING',
      fmt(r.heapBytesPerRequest, 1),
      `${mb(r.idleBefore.heapUsed)} / ${mb(r.idleAfter.heapUsed)}`,
    ]),
  );
}
