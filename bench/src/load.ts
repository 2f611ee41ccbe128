/**
 * Closed-loop load with autocannon: a fixed number of connections, each sending the next request
 * as soon as the previous response ended, for a fixed time after a warm-up.
 * @module
 */
import autocannon from 'autocannon';
import { CHAT_PATH, REQUEST_HEADERS, requestBody, type Mode } from './requests.js';
import { percentile } from './stats.js';

/** How to load one system in one mode. */
export interface LoadOptions {
  /** Origin of the system under test, e.g. `http://127.0.0.1:4000`. */
  origin: string;
  mode: Mode;
  connections: number;
  /** Measured seconds. */
  durationS: number;
  /** Seconds of unmeasured load before, at the same concurrency. 0 for none. */
  warmupS: number;
}

/** What one load run measured. Latencies in ms, over 2xx responses of the measured part only. */
export interface LoadResult {
  /** 2xx responses in the measured part. */
  requests: number;
  durationS: number;
  /** 2xx responses per second. */
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Socket errors, timeouts and non-2xx answers: any of them makes a run suspect. */
  errors: number;
  timeouts: number;
  non2xx: number;
}

/**
 * Runs one load test and returns its figures.
 * @example
 * const r = await runLoad({ origin, mode: 'json', connections: 32, durationS: 6, warmupS: 1 });
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const instance = autocannon({
    url: `${options.origin}${CHAT_PATH}`,
    method: 'POST',
    headers: REQUEST_HEADERS,
    body: requestBody(options.mode),
    connections: options.connections,
    duration: options.durationS,
    timeout: 10,
    ...(options.warmupS > 0 ? { warmup: { connections: options.connections, duration: options.warmupS } } : {}),
  });
  // autocannon's own histogram has 1 ms resolution, too coarse for loopback latencies: keep the
  // raw per-response times (ms, from process.hrtime) and take percentiles of those. The returned
  // instance only sees the measured part; the warm-up reports to another emitter.
  const samples: number[] = [];
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) samples.push(ms);
  });
  const result = await instance;
  return {
    requests: samples.length,
    durationS: result.duration,
    rps: samples.length / result.duration,
    p50: percentile(samples, 0.5),
    p90: percentile(samples, 0.9),
    p99: percentile(samples, 0.99),
    max: percentile(samples, 1),
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
}
