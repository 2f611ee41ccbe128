// Smoke test of the harness parts with a handful of requests; no load is generated here.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { test } from 'node:test';
import { checkAnswer, timeStreams } from './client.js';
import { runConcurrency } from './concurrency.js';
import { NOISE_FLOOR, runMemory } from './memory.js';
import { createProxyServer } from './proxy.js';
import { overheads, verdicts, type Measurement } from './report.js';
import { removeBenchWorkDir, startChild } from './spawn.js';
import { soakBody } from './soak-traffic.js';
import { percentile, slopeVerdict, t975, trend } from './stats.js';
import { UPSTREAM_FAULTS } from './upstream.js';
import { createUpstreamServer } from './upstream.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return `http://127.0.0.1:${address.port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

test('the proxy forwards JSON and complete SSE answers from the upstream', async () => {
  const upstream = createUpstreamServer();
  const { server: proxy, agent } = createProxyServer(await listen(upstream));
  const origin = await listen(proxy);
  try {
    await checkAnswer(origin, 'json');
    await checkAnswer(origin, 'stream');
    const timing = await timeStreams(origin, { count: 2, warmup: 1 });
    assert.equal(timing.count, 2);
    assert.ok(timing.ttfbP50 > 0 && timing.ttfbP50 <= timing.totalP50);
  } finally {
    agent.destroy();
    await close(proxy);
    await close(upstream);
  }
});

test('checkAnswer rejects a system that does not answer like the upstream', async () => {
  const wrong = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('data: {"choices":[]}\n\ndata: [DONE]\n\n');
  });
  const origin = await listen(wrong);
  try {
    await assert.rejects(checkAnswer(origin, 'stream'), /0 content chunks/);
    await assert.rejects(checkAnswer(origin, 'json'));
  } finally {
    await close(wrong);
  }
});

test('a child upstream reports its port, answers, and stops', async () => {
  const child = await startChild('upstream');
  try {
    await checkAnswer(`http://127.0.0.1:${child.port}`, 'json');
  } finally {
    await child.stop();
    removeBenchWorkDir();
  }
  assert.throws(() => process.kill(child.pid, 0));
});

test('overhead is added latency over direct, relative to the proxy', () => {
  const load = (p50: number, p99: number, rps: number): Measurement['load'] => ({
    requests: 1,
    durationS: 1,
    rps,
    p50,
    p90: p50,
    p99,
    max: p99,
    errors: 0,
    timeouts: 0,
    non2xx: 0,
  });
  const m: Measurement[] = [
    { system: 'direct', mode: 'json', load: load(1, 2, 1000) },
    { system: 'proxy', mode: 'json', load: load(3, 6, 500) },
    { system: 'gateway-undici', mode: 'json', load: load(4, 14, 250) },
  ];
  const [proxy, gateway] = overheads(m);
  assert.deepEqual([proxy.ratioP50, proxy.rpsRatio], [1, 1]);
  assert.deepEqual([gateway.addedP50, gateway.addedP99, gateway.ratioP50, gateway.ratioP99, gateway.rpsRatio], [3, 12, 1.5, 3, 0.5]);
  assert.equal(percentile([5, 1, 4, 2, 3], 0.5), 3);
  assert.equal(percentile([5, 1, 4, 2, 3], 0.99), 5);
});

test('budget verdicts: each §7 budget from its figures, met / NOT met / cannot tell', () => {
  const load = (p50: number, rps: number): Measurement['load'] => ({
    requests: 1,
    durationS: 1,
    rps,
    p50,
    p90: p50,
    p99: p50,
    max: p50,
    errors: 0,
    timeouts: 0,
    non2xx: 0,
  });
  const streams = (ttfbP50: number) => ({ count: 1, ttfbP50, ttfbP99: ttfbP50, totalP50: ttfbP50, totalP99: ttfbP50 });
  const m: Measurement[] = [
    { system: 'direct', mode: 'json', load: load(1, 1000) },
    { system: 'direct', mode: 'stream', load: load(1, 1000), streams: streams(0.2) },
    { system: 'proxy', mode: 'json', load: load(2, 600), rssAfter: 90e6 },
    { system: 'proxy', mode: 'stream', load: load(2, 500), rssAfter: 100e6 },
    { system: 'gateway-full', mode: 'json', load: load(3, 420), rssAfter: 170e6 },
    { system: 'gateway-full', mode: 'stream', load: load(3, 300), rssAfter: 210e6, streams: streams(0.9) },
  ];
  const growth = [
    { system: 'direct' as const, p50: { 1024: 0.2, 102400: 0.5, 409600: 1.5 } },
    { system: 'proxy' as const, p50: { 1024: 0.5, 102400: 0.8, 409600: 2 } },
    { system: 'gateway-full' as const, p50: { 1024: 0.8, 102400: 1.1, 409600: 2.5 } },
  ];
  assert.deepEqual(verdicts(m, growth), [
    "gateway-full: throughput >= 0.67x the proxy's: json 0.70x, stream 0.60x: NOT met",
    'gateway-full: unloaded added latency <= 0.65 ms: json (1 KB) 0.600, first streamed byte 0.700: NOT met',
    "gateway-full: added latency with large prompts <= 2x the proxy's: 100 KB 2.00x, 400 KB 2.00x: met",
    "gateway-full: RSS after load <= 2x the proxy's: json 1.89x, stream 2.10x: NOT met",
  ]);
  // Without the growth scenario the budgets that need it cannot be told; the others still are.
  const alone = verdicts(m.filter((x) => x.mode === 'json'));
  assert.match(alone[0], /json 0\.70x, stream n\/a: cannot tell$/);
  assert.match(alone[2], /100 KB n\/a, 400 KB n\/a: cannot tell$/);
  assert.match(alone[3], /json 1\.89x, stream n\/a: cannot tell$/);
  assert.equal(alone.length, 4);
  // With the Koa + undici baseline, one more line: its figures, the floor under two budgets.
  const withFloor = verdicts(
    [...m, { system: 'koa-undici', mode: 'json', load: load(2.5, 480) }, { system: 'koa-undici', mode: 'stream', load: load(2.5, 350) }],
    [...growth, { system: 'koa-undici' as const, p50: { 1024: 0.7, 102400: 1.3, 409600: 3 } }],
  );
  assert.equal(withFloor.length, 5);
  assert.equal(
    withFloor[4],
    'koa-undici, no feature (the floor under throughput and large prompts): throughput json 0.80x, stream 0.70x; large prompts 100 KB 2.67x, 400 KB 3.00x',
  );
});

test('concurrent streams through the proxy: held open, released, completed; memory sampled', async () => {
  const upstream = await startChild('upstream-held', 0, { args: ['50', '10000'] });
  const proxy = await startChild('proxy', upstream.port, { execArgv: [...process.execArgv, '--expose-gc'] });
  try {
    const result = await runConcurrency({
      origin: `http://127.0.0.1:${proxy.port}`,
      target: proxy,
      upstream,
      streams: 20,
      ramp: 5,
      plateauMs: 150,
      establishTimeoutMs: 5_000,
      finishTimeoutMs: 5_000,
      sampleMs: 50,
      progress: () => {},
    });
    assert.deepEqual([result.established, result.completed, result.failed, result.peakOpen, result.upstreamOpen], [20, 20, 0, 20, 20]);
    assert.equal(result.gc, true);
    assert.ok(result.peakRss >= result.before.rss && result.fds.open >= result.fds.before + 40);
    assert.equal((await upstream.stats(false)).openStreams, 0);
  } finally {
    await proxy.stop();
    await upstream.stop();
    removeBenchWorkDir();
  }
});

test('memory soak: mixed traffic (JSON, streams, upstream faults, client drops), sampled after a forced GC', async () => {
  const upstream = await startChild('upstream');
  const proxy = await startChild('proxy', upstream.port, { execArgv: [...process.execArgv, '--expose-gc'] });
  try {
    const r = await runMemory({ origin: `http://127.0.0.1:${proxy.port}`, target: proxy, connections: 4, durationS: 1.5, sampleMs: 200, gc: true });
    // The bare proxy passes the upstream's cuts on: those streams, and only those, fail.
    assert.equal(r.errors, r.counts.sent['stream-upstream-cut']);
    assert.ok(r.samples.length >= 2 && r.rps > 0 && r.gc);
    assert.ok(r.rss.max >= r.rss.start && r.heapUsed.max >= r.heapUsed.end);
    // Every kind was sent; the proxy passes the upstream's 500s through and the client dropped streams.
    assert.ok(
      Object.values(r.counts.sent).every((n) => n > 0),
      JSON.stringify(r.counts.sent),
    );
    assert.ok(r.counts.ok > 0 && r.counts.non2xx > 0 && r.counts.disconnects > 0, JSON.stringify(r.counts));
    assert.ok(soakBody('json-upstream-error').includes(UPSTREAM_FAULTS.error) && soakBody('stream-upstream-cut').includes(UPSTREAM_FAULTS.cut));
  } finally {
    await proxy.stop();
    await upstream.stop();
    removeBenchWorkDir();
  }
});

test('trend fits a slope and its standard error', () => {
  const t = trend([0, 1, 2, 3], [10, 12, 14, 16]);
  assert.equal(t.slope, 2);
  assert.equal(t.slopeError, 0);
  // y = 1 + 2x + e with e = (1, -1, -1, 1): slope 2, residual sum 4, sxx 5, se = sqrt(4 / 2 / 5).
  const e = trend([0, 1, 2, 3], [2, 2, 4, 8]);
  assert.ok(Math.abs(e.slope - 2) < 1e-12 && Math.abs(e.slopeError - Math.sqrt(0.4)) < 1e-12);
});

test("t975 matches Student's t table values", () => {
  const table: Array<[number, number]> = [
    [1, 12.706],
    [2, 4.303],
    [4, 2.776],
    [10, 2.228],
    [11, 2.201],
    [15, 2.131],
    [28, 2.048],
    [58, 2.002],
    [1000, 1.962],
  ];
  for (const [df, t] of table) assert.ok(Math.abs(t975(df) - t) < 0.001, `df ${df}: ${t975(df)} vs ${t}`);
  assert.ok(Number.isNaN(t975(0)));
});

test('slope verdict: flat when the 95% interval reaches 0 or the slope is under the floor, growing otherwise', () => {
  const xs = Array.from({ length: 30 }, (_, i) => 150 + 5 * i);
  const wobble = (i: number): number => (i % 3 === 0 ? 400_000 : i % 3 === 1 ? -250_000 : -150_000);
  // A flat heap with a few hundred KB of wobble: the interval straddles 0.
  const flat = slopeVerdict(
    xs,
    xs.map((_, i) => 40e6 + wobble(i)),
    NOISE_FLOOR.heapUsed,
  );
  assert.ok(flat.low < 0 && flat.high > 0 && flat.flat);
  // 5 KB/s of steady growth under the same wobble: the interval excludes 0 and the slope is above 1 KB/s.
  const leak = slopeVerdict(
    xs,
    xs.map((x, i) => 40e6 + 5 * 1024 * x + wobble(i)),
    NOISE_FLOOR.heapUsed,
  );
  assert.ok(leak.low > 0 && Math.abs(leak.slope - 5 * 1024) < 1024 && !leak.flat);
  // Clear but tiny growth (0.5 KB/s, no noise): significant, yet under the floor, so flat.
  const tiny = slopeVerdict(
    xs,
    xs.map((x) => 40e6 + 512 * x),
    NOISE_FLOOR.heapUsed,
  );
  assert.ok(tiny.low > 0 && tiny.flat);
  // The interval is slope ± t(n-2) * standard error.
  assert.ok(Math.abs(leak.high - leak.slope - t975(28) * leak.slopeError) < 1e-6);
  // Shrinking is not growing; too few points is no verdict.
  assert.equal(
    slopeVerdict(
      xs,
      xs.map((x) => 1e8 - 1e4 * x),
      0,
    ).flat,
    true,
  );
  assert.equal(slopeVerdict([0, 1], [0, 1e6], 0).flat, false);
});
