/** Tables of the concurrency and memory scenarios. */
import type { ConcurrencyResult } from './concurrency.js';
import type { MemoryRunResult } from './memory.js';
import { fmt, table, TRANSPORTS, type SystemId } from './report.js';

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
    ['system', 'transport', 'streams', 'established', 'completed', 'failed', 'establish s', 'RSS before MB', 'RSS peak MB', 'RSS after MB', 'RSS/stream KB', 'heap before MB', 'heap open MB', 'heap after MB', 'heap/stream KB', 'fds before/open/after'],
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

/** RSS and heapUsed start / end / max under load, the second-half heap slope and the verdict. */
export function memoryTable(rows: readonly MemoryRow[]): string {
  return table(
    ['system', 'transport', 'req/s', 'errors', 'RSS start MB', 'RSS end MB', 'RSS max MB', 'heap start MB', 'heap end MB', 'heap max MB', 'heap slope KB/s', '± KB/s', 'RSS slope KB/s', 'B/req', 'idle heap before/after MB', 'leak'],
    rows.map(({ system, result: r }) => [
      system,
      TRANSPORTS[system],
      fmt(r.rps, 0),
      String(r.errors),
      mb(r.rss.start),
      mb(r.rss.end),
      mb(r.rss.max),
      mb(r.heapUsed.start),
      mb(r.heapUsed.end),
      mb(r.heapUsed.max),
      fmt(r.heapSlope / 1024, 1),
      fmt(r.heapSlopeError / 1024, 1),
      fmt(r.rssSlope / 1024, 1),
      fmt(r.heapBytesPerRequest, 1),
      `${mb(r.idleBefore.heapUsed)} / ${mb(r.idleAfter.heapUsed)}`,
      r.leak ? 'SUSPECTED' : 'no',
    ]),
  );
}
