/**
 * Mixed traffic for the memory soak: a closed loop over a fixed number of connections, each
 * cycling through JSON and streamed requests, requests the upstream fails (500 before the answer,
 * or a stream cut mid-way), and streams the client drops after the first bytes, under several
 * client keys. What a long-running gateway sees, so that what only error and abort paths keep
 * shows up as growth.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import { BENCH_CLIENT_KEYS, CHAT_PATH, requestBody, type Mode } from './requests.js';
import { UPSTREAM_FAULTS } from './upstream.js';

/** One kind of soak request. */
export type SoakKind = 'json' | 'stream' | 'stream-disconnect' | 'json-upstream-error' | 'stream-upstream-cut';

/**
 * The cycle every connection walks through (each from its own offset): 6 JSON, 6 streams, 2
 * streams dropped by the client after the first body bytes, one JSON the upstream answers with
 * 500, one stream the upstream cuts after 5 events. On the full-stack gateway the faults hit the
 * primary provider only (bench/src/upstream.ts `HEALTHY_PREFIX`): failover answers them from the
 * secondary, and the primary's breaker opens now and then when faults line up. Through the bare
 * proxy the client gets the 500s and the cut streams.
 */
export const SOAK_MIX: readonly SoakKind[] = [
  'json',
  'stream',
  'json',
  'stream-disconnect',
  'stream',
  'json',
  'json-upstream-error',
  'stream',
  'json',
  'stream',
  'json',
  'stream-disconnect',
  'stream',
  'json',
  'stream-upstream-cut',
  'stream',
];

/** Answers per outcome over the whole run. */
export interface SoakCounts {
  /** 2xx answers read to the end (a gateway may end a stream it cannot complete with an error event). */
  ok: number;
  /** Non-2xx answers (expected for the upstream-error kind). */
  non2xx: number;
  /** Streams the client dropped on purpose. */
  disconnects: number;
  /** Requests that failed without being dropped: connection errors, timeouts, answers cut short. */
  failures: number;
  /** Requests sent per kind. */
  sent: Record<SoakKind, number>;
}

/** How to drive the soak. */
export interface SoakTrafficOptions {
  origin: string;
  connections: number;
  durationS: number;
  /** Client keys, one per request in turn. Defaults to {@link BENCH_CLIENT_KEYS}. */
  keys?: readonly string[];
}

/** The request body of a kind: the bench's usual one, with a fault marker in the user message. */
export function soakBody(kind: SoakKind): string {
  const mode: Mode = kind.startsWith('stream') ? 'stream' : 'json';
  const marker = kind === 'json-upstream-error' ? ` ${UPSTREAM_FAULTS.error}` : kind === 'stream-upstream-cut' ? ` ${UPSTREAM_FAULTS.cut}` : '';
  return requestBody(mode, undefined, marker);
}

const BODIES = Object.fromEntries(SOAK_MIX.map((kind) => [kind, soakBody(kind)])) as Record<SoakKind, string>;

async function send(client: Client, kind: SoakKind, key: string, counts: SoakCounts): Promise<void> {
  counts.sent[kind]++;
  const drop = kind === 'stream-disconnect' ? new AbortController() : undefined;
  try {
    const res = await client.request({
      path: CHAT_PATH,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: BODIES[kind],
      ...(drop ? { signal: drop.signal } : {}),
    });
    if (drop && res.statusCode < 300) {
      for await (const _ of res.body) {
        drop.abort();
        break;
      }
      counts.disconnects++;
      return;
    }
    // Read to the end (an answer cut short throws here, and counts as a failure).
    for await (const _ of res.body);
    if (res.statusCode < 300) counts.ok++;
    else counts.non2xx++;
  } catch {
    if (drop?.signal.aborted) counts.disconnects++;
    else counts.failures++;
  }
}

/**
 * Runs the mixed closed loop for `durationS` seconds and returns what was answered. Each
 * connection is one undici `Client`; a dropped stream closes its socket and the next request
 * opens a new one.
 * @example
 * const counts = await runSoakTraffic({ origin, connections: 16, durationS: 300 });
 */
export async function runSoakTraffic(options: SoakTrafficOptions): Promise<SoakCounts & { durationS: number }> {
  const keys = options.keys ?? BENCH_CLIENT_KEYS;
  const counts: SoakCounts = {
    ok: 0,
    non2xx: 0,
    disconnects: 0,
    failures: 0,
    sent: Object.fromEntries(SOAK_MIX.map((k) => [k, 0])) as Record<SoakKind, number>,
  };
  const started = performance.now();
  const deadline = started + options.durationS * 1000;
  let sent = 0;
  const loop = async (connection: number): Promise<void> => {
    const client = new Client(options.origin, { headersTimeout: 10_000, bodyTimeout: 10_000 });
    try {
      for (let i = connection; performance.now() < deadline; i++) {
        await send(client, SOAK_MIX[i % SOAK_MIX.length], keys[sent++ % keys.length], counts);
      }
    } finally {
      await client.close().catch(() => client.destroy());
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.connections) }, (_, c) => loop(c)));
  return { ...counts, durationS: (performance.now() - started) / 1000 };
}
