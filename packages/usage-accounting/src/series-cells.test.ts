import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { cellCounter, cellGauge, cellHistogram } from './series-cells.js';

/** The exposition of one registry with metric names made comparable. */
const lines = async (registry: Registry, from: string, to: string) => (await registry.metrics()).replaceAll(from, to);

test('a cell-fed counter and gauge expose exactly what prom-client fed directly would, scrape after scrape', async () => {
  const registry = new Registry();
  const directRegistry = new Registry();
  const cells = cellCounter({ name: 'cells_total', help: 'h', labelNames: ['provider', 'model', 'status'], registers: [registry] });
  const direct = new Counter({ name: 'direct_total', help: 'h', labelNames: ['provider', 'model', 'status'], registers: [directRegistry] });
  const gaugeCells = cellGauge({ name: 'cells_inflight', help: 'g', labelNames: ['provider'], registers: [registry] });
  const gauge = new Gauge({ name: 'direct_inflight', help: 'g', labelNames: ['provider'], registers: [directRegistry] });

  const feed = (n: number) => {
    for (let i = 0; i < n; i++) {
      const provider = ['openai', 'anthropic', 'p"quoted\\'][i % 3]!;
      const model = `m${i % 2}`;
      const status = String([200, 429, 500][i % 3]);
      const value = (i % 5) + 0.25;
      cells.add(value, provider, model, status);
      direct.inc({ provider, model, status }, value);
      gaugeCells.add(1, provider);
      gauge.inc({ provider });
      if (i % 4 !== 0) {
        gaugeCells.add(-1, provider);
        gauge.dec({ provider });
      }
    }
  };
  feed(50);
  assert.equal(await lines(registry, 'cells_', 'x_'), await lines(directRegistry, 'direct_', 'x_'));
  // A second scrape with nothing new shows the same sums (drained once, not twice).
  assert.equal(await lines(registry, 'cells_', 'x_'), await lines(directRegistry, 'direct_', 'x_'));
  feed(31);
  assert.equal(await lines(registry, 'cells_', 'x_'), await lines(directRegistry, 'direct_', 'x_'));
});

test('a gauge series that went up and down between scrapes is still shown, at 0', async () => {
  const registry = new Registry();
  const inflight = cellGauge({ name: 'inflight', help: 'g', labelNames: ['provider'], registers: [registry] });
  inflight.add(1, 'openai');
  inflight.add(-1, 'openai');
  assert.match(await registry.metrics(), /^inflight\{provider="openai"\} 0$/m);
});

test('values prom-client would refuse are dropped, so a scrape never throws', async () => {
  const registry = new Registry();
  const tokens = cellCounter({ name: 'tokens_total', help: 'h', labelNames: ['provider'], registers: [registry] });
  tokens.add(5, 'a');
  tokens.add(-3, 'a');
  tokens.add(Number.NaN, 'a');
  tokens.add(Infinity, 'b');
  const text = await registry.metrics();
  assert.match(text, /^tokens_total\{provider="a"\} 5$/m);
  assert.doesNotMatch(text, /provider="b"/);
});

test("a cell histogram renders exactly as prom-client's Histogram fed the same observations: text, JSON, after a reset", async () => {
  const buckets = [0.0001, 0.005, 0.01, 0.25, 1, 120];
  const cellsRegistry = new Registry();
  const directRegistry = new Registry();
  const labelled = cellHistogram({ name: 'h_seconds', help: 'latency "x"', labelNames: ['provider', 'model', 'outcome'], buckets, registers: [cellsRegistry] });
  const plain = cellHistogram({ name: 'o_seconds', help: 'overhead', labelNames: [], buckets, registers: [cellsRegistry] });
  const labelledDirect = new Histogram({
    name: 'h_seconds',
    help: 'latency "x"',
    labelNames: ['provider', 'model', 'outcome'],
    buckets,
    registers: [directRegistry],
  });
  const plainDirect = new Histogram({ name: 'o_seconds', help: 'overhead', buckets, registers: [directRegistry] });
  const same = async () => {
    assert.equal(await cellsRegistry.metrics(), await directRegistry.metrics());
    assert.deepEqual(await cellsRegistry.getMetricsAsJSON(), await directRegistry.getMetricsAsJSON());
  };

  await same(); // nothing observed: the unlabelled one is listed at zero, as prom-client lists it
  let seed = 3;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  // Values on the bounds, between them, above the last, zero and negative.
  const values = [...buckets, 0, -1, 500, 0.003, 1e-9];
  for (let i = 0; i < 400; i++) {
    const value = random() < 0.3 ? values[Math.floor(random() * values.length)]! : random() * 3;
    const provider = ['openai', 'p"q\\', 'anthropic'][Math.floor(random() * 3)]!;
    const model = `m${Math.floor(random() * 2)}`;
    const outcome = random() < 0.8 ? 'success' : 'failure';
    labelled.observe(value, provider, model, outcome);
    labelledDirect.observe({ provider, model, outcome }, value);
    plain.observe(value);
    plainDirect.observe(value);
    if (i === 150) await same();
  }
  await same();
  cellsRegistry.resetMetrics();
  directRegistry.resetMetrics();
  await same(); // both list nothing after a reset, the unlabelled one included
  labelled.observe(0.5, 'openai', 'm0', 'success');
  labelledDirect.observe({ provider: 'openai', model: 'm0', outcome: 'success' }, 0.5);
  plain.observe(0.02);
  plainDirect.observe(0.02);
  await same();
});

test('a cell histogram drops values that are not finite (prom-client would throw) and refuses an `le` label or unordered buckets', async () => {
  const registry = new Registry();
  const h = cellHistogram({ name: 'x_seconds', help: 'x', labelNames: ['provider'], buckets: [1, 2], registers: [registry] });
  h.observe(Number.NaN, 'a');
  h.observe(Number.POSITIVE_INFINITY, 'a');
  h.observe(1.5, 'a');
  assert.match(await registry.metrics(), /x_seconds_count\{provider="a"\} 1\n/);
  assert.throws(() => cellHistogram({ name: 'y', help: 'y', labelNames: ['le'], buckets: [1], registers: [] }), /le is a reserved/);
  assert.throws(() => cellHistogram({ name: 'z', help: 'z', labelNames: [], buckets: [2, 1], registers: [] }), /ascending/);
});
