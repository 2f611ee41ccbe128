import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Gauge, Registry } from 'prom-client';
import { cellCounter, cellGauge } from './series-cells.js';

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
