/**
 * Cost of one limit decision (check every enabled limit + reserve), in memory and on a real
 * redis-server started for the run. Prints one JSON object on stdout:
 * `{ memory: { decisionsPerSecond, p50Us, p99Us, n }, redis: { … } }`.
 *
 * Usage: node packages/rate-limit/dist/bench-decision.js [secondsPerStore=2]
 * (SWITCHYARD_TEST_REDIS_URL reuses a running Redis instead of starting one).
 * @module
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startRedis } from '@switchyard/stores/testing';
import { MemoryLimitStore } from './memory-store.js';
import { RedisLimitStore } from './redis-store.js';
import type { LimitStore, ReserveInput } from './store.js';

const seconds = Number(process.argv[2] ?? 2);
const KEYS = 1000;
const HOUR = { windowMs: 3_600_000, bucketMs: 60_000 };
const MINUTE = { windowMs: 60_000, bucketMs: 1_000 };
// Every limit enabled and generous, so each decision does the full check and a real reservation.
const LIMITS = { totalTokens: 1e12, inputTokens: 1e12, outputTokens: 1e12, requests: 1e12, concurrent: 1e12 };

function input(i: number): ReserveInput {
  return {
    key: `bench:${i % KEYS}`,
    id: randomUUID(),
    now: Date.now(),
    tokenWindow: HOUR,
    requestWindow: MINUTE,
    limits: LIMITS,
    inputTokens: 800,
    outputTokens: 400,
    // Short leases so the concurrency sets stay small over a long run.
    leaseMs: 50,
  };
}

async function measure(store: LimitStore) {
  for (let i = 0; i < 2000; i++) await store.reserve(input(i)); // warm-up (JIT, script cache)
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  let i = 0;
  while (performance.now() < end) {
    const t = process.hrtime.bigint();
    await store.reserve(input(i++));
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  const elapsed = (performance.now() - started) / 1000;
  samples.sort((a, b) => a - b);
  const at = (q: number) => Number(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!.toFixed(1));
  return { decisionsPerSecond: Math.round(samples.length / elapsed), p50Us: at(0.5), p99Us: at(0.99), n: samples.length };
}

const memory = await measure(new MemoryLimitStore());
const server = await startRedis();
const client = new Redis(server.url);
try {
  const redis = await measure(new RedisLimitStore({ client, prefix: `bench:${randomUUID()}:` }));
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify({ memory, redis }) + '\n');
  } else {
    const row = (name: string, r: typeof memory) =>
      `${name.padEnd(24)}${String(r.decisionsPerSecond).padStart(12)}${r.p50Us.toFixed(1).padStart(10)}${r.p99Us.toFixed(1).padStart(10)}`;
    process.stdout.write(
      `\nRate-limit decision (reserve: every enabled budget checked and held atomically), ${seconds} s per store, sequential\n\n` +
        `${'store'.padEnd(24)}${'decisions/s'.padStart(12)}${'p50 µs'.padStart(10)}${'p99 µs'.padStart(10)}\n` +
        `${row('memory', memory)}\n${row('redis (1 Lua round trip)', redis)}\n`,
    );
  }
} finally {
  client.disconnect();
  await server.stop();
}
