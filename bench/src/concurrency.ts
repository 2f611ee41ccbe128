/**
 * Concurrent streams: opens K streams through a system under test, one client connection each,
 * against the held upstream (streams that stay open until released), holds them all open for a
 * while, releases them, and reports how many were established and completed and what the system
 * under test's memory did.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'undici';
import type { ChildMemory } from './child.js';
import { CHAT_PATH, REQUEST_HEADERS, requestBody } from './requests.js';
import type { RunningChild } from './spawn.js';

/** How to run the concurrency scenario against one system. */
export interface ConcurrencyOptions {
  /** Origin of the system under test. */
  origin: string;
  /** The system under test's child: its memory is sampled. */
  target: RunningChild;
  /** The held upstream's child: it ends the streams when told. */
  upstream: RunningChild;
  /** Streams to open (K), one client connection each. */
  streams: number;
  /** Most streams being established (sent, no first byte yet) at once. */
  ramp: number;
  /** How long every established stream stays open after the last one was established, ms. */
  plateauMs: number;
  /** Give up establishing streams after this long, ms. */
  establishTimeoutMs: number;
  /** Give up waiting for released streams to end after this long, ms. */
  finishTimeoutMs: number;
  /** Time between two memory samples, ms. */
  sampleMs: number;
  /** Progress lines. */
  progress(line: string): void;
}

/** What the concurrency scenario measured; memory in bytes. */
export interface ConcurrencyResult {
  requested: number;
  /** Streams whose first body byte arrived. */
  established: number;
  /** Streams that ended with `data: [DONE]` and no error. */
  completed: number;
  failed: number;
  /** The most common errors, `message: count`. */
  errors: string[];
  /** First request sent to the last stream's first byte, ms. */
  establishMs: number;
  /** Most streams open at once on the client side. */
  peakOpen: number;
  /** Streams the upstream held open at the end of the plateau. */
  upstreamOpen: number;
  /** After a forced GC, before any stream. */
  before: ChildMemory;
  /** Largest RSS sampled while streams were open (no GC before those samples). */
  peakRss: number;
  /** After a forced GC at the end of the plateau, every stream still open. */
  plateau: ChildMemory;
  /** After a forced GC, streams ended, client connections closed, 1 s later. */
  after: ChildMemory;
  /** Open descriptors of the system under test before, with every stream open, and after. */
  fds: { before: number; open: number; after: number };
  /** (peakRss - before.rss) / established. */
  rssPerStream: number;
  /** (plateau.heapUsed - before.heapUsed) / established. */
  heapPerStream: number;
  /** Whether the samples were taken after a forced GC (the child ran with --expose-gc). */
  gc: boolean;
}

interface StreamState {
  client: Client;
  established: boolean;
  ended: boolean;
  error?: string;
}

const DONE = 'data: [DONE]';

/**
 * Runs the scenario against one system and cleans up every client connection it opened.
 * @example
 * const r = await runConcurrency({ origin, target, upstream, streams: 10_000, ramp: 200, plateauMs: 5_000,
 *   establishTimeoutMs: 40_000, finishTimeoutMs: 15_000, sampleMs: 1_000, progress: console.error });
 */
export async function runConcurrency(options: ConcurrencyOptions): Promise<ConcurrencyResult> {
  const body = requestBody('stream');
  const states: StreamState[] = [];
  let sent = 0;
  let establishing = 0;
  let settledEstablishment = 0;
  let open = 0;
  let peakOpen = 0;
  let lastEstablishedAt = 0;
  let giveUp = false;
  let wake: () => void = () => {};
  const changed = (): void => wake();

  const startOne = (): void => {
    const client = new Client(options.origin, {
      pipelining: 1,
      headersTimeout: options.establishTimeoutMs,
      bodyTimeout: options.establishTimeoutMs + options.plateauMs + options.finishTimeoutMs,
    });
    const state: StreamState = { client, established: false, ended: false };
    states.push(state);
    establishing++;
    let tail = '';
    const settleEstablishment = (): void => {
      establishing--;
      settledEstablishment++;
      launch();
      changed();
    };
    const fail = (error: unknown): void => {
      if (state.ended) return;
      state.ended = true;
      state.error = error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error);
      if (state.established) open--;
      else settleEstablishment();
      changed();
    };
    client.request({ path: CHAT_PATH, method: 'POST', headers: REQUEST_HEADERS, body }).then((res) => {
      if (res.statusCode !== 200) {
        res.body.resume();
        return fail(new Error(`status ${res.statusCode}`));
      }
      res.body.on('data', (chunk: Buffer) => {
        if (!state.established) {
          state.established = true;
          lastEstablishedAt = performance.now();
          open++;
          if (open > peakOpen) peakOpen = open;
          settleEstablishment();
        }
        tail = (tail + chunk.toString('latin1')).slice(-64);
      });
      res.body.on('error', fail);
      res.body.on('end', () => {
        if (!tail.includes(DONE)) return fail(new Error('ended without data: [DONE]'));
        if (state.ended) return;
        state.ended = true;
        open--;
        changed();
      });
    }, fail);
  };
  const launch = (): void => {
    while (!giveUp && establishing < options.ramp && sent < options.streams) {
      sent++;
      startOne();
    }
  };
  const waitFor = async (done: () => boolean, timeoutMs: number): Promise<boolean> => {
    const deadline = performance.now() + timeoutMs;
    while (!done()) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return true;
  };

  const before = await options.target.stats(true);
  let peakRss = before.memory.rss;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await sleep(options.sampleMs);
      if (!sampling) break;
      const { memory } = await options.target.stats(false);
      peakRss = Math.max(peakRss, memory.rss);
    }
  })().catch(() => {});

  const started = performance.now();
  const report = setInterval(() => options.progress(`    ${open} open, ${establishing} establishing, ${sent}/${options.streams} sent`), 5_000);
  try {
    launch();
    const all = await waitFor(() => settledEstablishment === options.streams, options.establishTimeoutMs);
    giveUp = true;
    if (!all) options.progress(`    establishment timed out after ${options.establishTimeoutMs} ms`);
    const establishMs = lastEstablishedAt > 0 ? lastEstablishedAt - started : Number.NaN;
    const established = states.filter((s) => s.established).length;
    options.progress(`    ${established} established in ${(establishMs / 1000).toFixed(1)} s; holding ${options.plateauMs / 1000} s`);
    await sleep(options.plateauMs);
    sampling = false;
    await sampler;
    const plateau = await options.target.stats(true);
    peakRss = Math.max(peakRss, plateau.memory.rss);
    const upstreamOpen = (await options.upstream.stats(false)).openStreams ?? 0;

    await options.upstream.release();
    const finished = await waitFor(() => states.every((s) => s.ended || !s.established), options.finishTimeoutMs);
    if (!finished) options.progress(`    not every stream ended within ${options.finishTimeoutMs} ms`);
    clearInterval(report);
    // Tallied before the connections are closed, so a stream still open says so instead of
    // reporting the error its forced close causes.
    const completed = states.filter((s) => s.established && s.ended && !s.error).length;
    const errors = new Map<string, number>();
    for (const s of states) {
      const why = s.error ?? (s.ended ? undefined : s.established ? 'still open after release' : 'never established');
      if (why) errors.set(why, (errors.get(why) ?? 0) + 1);
    }
    if (sent < options.streams) errors.set('not sent (establishment timed out)', options.streams - sent);
    await closeAll(states);
    await sleep(1_000);
    const after = await options.target.stats(true);
    return {
      requested: options.streams,
      established,
      completed,
      failed: options.streams - completed,
      errors: [...errors]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([m, n]) => `${m}: ${n}`),
      establishMs,
      peakOpen,
      upstreamOpen,
      before: before.memory,
      peakRss,
      plateau: plateau.memory,
      after: after.memory,
      fds: { before: before.fds, open: plateau.fds, after: after.fds },
      rssPerStream: established > 0 ? (peakRss - before.memory.rss) / established : Number.NaN,
      heapPerStream: established > 0 ? (plateau.memory.heapUsed - before.memory.heapUsed) / established : Number.NaN,
      gc: before.gc && after.gc,
    };
  } finally {
    clearInterval(report);
    sampling = false;
    giveUp = true;
    await closeAll(states);
  }
}

async function closeAll(states: readonly StreamState[]): Promise<void> {
  // destroy, not close: a stream that never ended must not keep the run waiting.
  await Promise.all(states.map((s) => (s.client.destroyed ? undefined : s.client.destroy().catch(() => {}))));
}
