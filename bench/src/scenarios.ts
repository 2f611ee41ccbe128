/**
 * The two opt-in scenarios of docs/ARCHITECTURE.md §7's memory budgets ("memory stays flat over a
 * long run; 10k concurrent streams fit in the machine"): each starts its own upstream and one
 * system under test at a time, run with `--expose-gc` so that memory samples can follow a
 * forced GC.
 * @module
 */
import { checkAnswer } from './client.js';
import { runConcurrency } from './concurrency.js';
import { fdLimit, raiseFdLimit } from './fd-limit.js';
import { runMemory } from './memory.js';
import type { SystemId } from './report.js';
import type { ConcurrencyRow, MemoryRow } from './scenario-report.js';
import { startChild, type RunningChild } from './spawn.js';

/** Settings of the concurrency scenario. */
export interface ConcurrencySettings {
  /** Streams wanted (K); fewer when the open-file limits cannot be raised enough. */
  streams: number;
  ramp: number;
  intervalMs: number;
  plateauMs: number;
  establishTimeoutMs: number;
  finishTimeoutMs: number;
  /** Upstream sockets per origin for the gateway's transport; 0 keeps the transport default (128). */
  upstreamConnections: number;
}

/** Settings of the memory scenario. */
export interface MemorySettings {
  connections: number;
  durationS: number;
  /** Seconds between two memory samples. */
  sampleS: number;
}

// Sockets aside, a Node process holds a few dozen descriptors (epoll, pipes, the IPC channel,
// SQLite files, worker threads): the client and upstream keep this many spare; the system under
// test keeps this many above what it holds once started (measured from /proc/<pid>/fd).
const SPARE_FDS = 64;
const GC_FLAGS = [...process.execArgv, '--expose-gc'];

/** Open-file limits seen and set during the concurrency scenario, for the report. */
export interface FdReport {
  /** This process's limit at start-up (`ulimit -n`). */
  initial: number | undefined;
  /** After raising: this process (client), the upstream, each system under test. */
  client: number | undefined;
  upstream: number | undefined;
  systems: Partial<Record<SystemId, number>>;
}

function gatewayArgs(system: SystemId, connections: number): string[] {
  return system.startsWith('gateway') ? [String(connections)] : [];
}

/**
 * Runs the concurrency scenario against each system in turn; a system that fails to start or
 * to answer is reported through `skip` and the others still run.
 * @example
 * const { rows } = await concurrencyScenario(['proxy', 'gateway-undici'], settings, progress, skip);
 */
export async function concurrencyScenario(
  systems: readonly SystemId[],
  settings: ConcurrencySettings,
  progress: (line: string) => void,
  skip: (system: SystemId, reason: string) => void,
): Promise<{ rows: ConcurrencyRow[]; fds: FdReport }> {
  const k = settings.streams;
  const fds: FdReport = { initial: fdLimit()?.soft, client: undefined, upstream: undefined, systems: {} };
  fds.client = raiseFdLimit(process.pid, k + SPARE_FDS)?.soft;
  const maxHoldMs = settings.establishTimeoutMs + settings.plateauMs + settings.finishTimeoutMs + 5_000;
  const upstream = await startChild('upstream-held', 0, { args: [String(settings.intervalMs), String(maxHoldMs)] });
  const rows: ConcurrencyRow[] = [];
  try {
    fds.upstream = raiseFdLimit(upstream.pid, k + SPARE_FDS)?.soft;
    for (const system of systems) {
      if (system === 'direct') continue;
      let child: RunningChild | undefined;
      try {
        child = await startChild(system, upstream.port, { execArgv: GC_FLAGS, args: gatewayArgs(system, settings.upstreamConnections) });
        const held = Math.max(0, (await child.stats(false)).fds);
        const limit = raiseFdLimit(child.pid, 2 * k + held + SPARE_FDS)?.soft;
        fds.systems[system] = limit;
        // One socket per stream in the client and the upstream, two in the system under test.
        const fit = Math.min(
          k,
          ...[fds.client, fds.upstream].map((l) => (l ?? Infinity) - 2 * SPARE_FDS),
          Math.floor(((limit ?? Infinity) - held - SPARE_FDS) / 2),
        );
        if (fit < k) progress(`  ${system}: open-file limits allow ${fit} streams, not ${k}`);
        const origin = `http://127.0.0.1:${child.port}`;
        await checkAnswer(origin, 'json');
        progress(
          `  ${system}: ${fit} concurrent streams (ramp ${settings.ramp}, a chunk every ${settings.intervalMs / 1000} s, held ${settings.plateauMs / 1000} s once all are open)`,
        );
        const result = await runConcurrency({
          origin,
          target: child,
          upstream,
          streams: Math.max(1, fit),
          ramp: settings.ramp,
          plateauMs: settings.plateauMs,
          establishTimeoutMs: settings.establishTimeoutMs,
          finishTimeoutMs: settings.finishTimeoutMs,
          sampleMs: 500,
          progress,
        });
        rows.push({ system, result });
      } catch (error) {
        skip(system, error instanceof Error ? error.message : String(error));
      } finally {
        await child?.stop();
        // Streams a failed run left open must not count against the next system.
        await upstream.release().catch(() => 0);
      }
    }
  } finally {
    await upstream.stop();
  }
  return { rows, fds };
}

/**
 * Runs the memory scenario against each system in turn, with a forced GC before every sample.
 * @example
 * const rows = await memoryScenario(['proxy', 'gateway-full'], { connections: 16, durationS: 300, sampleS: 5 }, progress, skip);
 */
export async function memoryScenario(
  systems: readonly SystemId[],
  settings: MemorySettings,
  progress: (line: string) => void,
  skip: (system: SystemId, reason: string) => void,
): Promise<MemoryRow[]> {
  const upstream = await startChild('upstream');
  const rows: MemoryRow[] = [];
  try {
    for (const system of systems) {
      if (system === 'direct') continue;
      let child: RunningChild | undefined;
      try {
        child = await startChild(system, upstream.port, { execArgv: GC_FLAGS });
        const origin = `http://127.0.0.1:${child.port}`;
        await checkAnswer(origin, 'json');
        await checkAnswer(origin, 'stream');
        progress(
          `  ${system}: ${settings.connections} connections of mixed traffic for ${settings.durationS} s, memory sampled every ${settings.sampleS} s after a forced GC`,
        );
        const sampleMs = settings.sampleS * 1000;
        rows.push({
          system,
          result: await runMemory({ origin, target: child, connections: settings.connections, durationS: settings.durationS, sampleMs, gc: true }),
        });
      } catch (error) {
        skip(system, error instanceof Error ? error.message : String(error));
      } finally {
        await child?.stop();
      }
    }
  } finally {
    await upstream.stop();
  }
  return rows;
}
