// Smoke test of the harness parts with a handful of requests; no load is generated here.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { test } from 'node:test';
import { checkAnswer, timeStreams } from './client.js';
import { runConcurrency } from './concurrency.js';
import { leakSuspected, runMemory } from './memory.js';
import { createProxyServer } from './proxy.js';
import { overheads, type Measurement } from './report.js';
import { removeBenchWorkDir, startChild } from './spawn.js';
import { percentile, trend } from './stats.js';
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
    requests: 1, durationS: 1, rps, p50, p90: p50, p99, max: p99, errors: 0, timeouts: 0, non2xx: 0,
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

test('concurrent streams through the proxy: held open, released, completed; memory sampled', async () => {
  const upstream = await startChild('upstream-held', 0, { args: ['50', '10000'] });
  const proxy = await startChild('proxy', upstream.port, { execArgv: [...process.execArgv, '--expose-gc'] });
  try {
    const result = await runConcurrency({
      origin: `http://127.0.0.1:${proxy.port}`, target: proxy, upstream, streams: 20, ramp: 5, plateauMs: 150,
      establishTimeoutMs: 5_000, finishTimeoutMs: 5_000, sampleMs: 50, progress: () => {},
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

test('memory run: samples every interval under load, after a forced GC', async () => {
  const upstream = await startChild('upstream');
  const proxy = await startChild('proxy', upstream.port, { execArgv: [...process.execArgv, '--expose-gc'] });
  try {
    const r = await runMemory({ origin: `http://127.0.0.1:${proxy.port}`, target: proxy, connections: 2, durationS: 1, sampleMs: 200, gc: true });
    assert.equal(r.errors, 0);
    assert.ok(r.samples.length >= 2 && r.rps > 0 && r.gc);
    assert.ok(r.rss.max >= r.rss.start && r.heapUsed.max >= r.heapUsed.end);
  } finally {
    await proxy.stop();
    await upstream.stop();
    removeBenchWorkDir();
  }
});

test('trend fits a slope and the leak verdict needs a slope clearly above noise', () => {
  const t = trend([0, 1, 2, 3], [10, 12, 14, 16]);
  assert.equal(t.slope, 2);
  assert.equal(t.slopeError, 0);
  const noisy = trend([0, 1, 2, 3, 4], [100, 300, 50, 250, 120]);
  assert.ok(Math.abs(noisy.slope) < noisy.slopeError * 3);
  assert.equal(leakSuspected(50 * 1024, 5 * 1024), true);
  assert.equal(leakSuspected(50 * 1024, 20 * 1024), false);
  assert.equal(leakSuspected(5 * 1024, 0), false);
});
