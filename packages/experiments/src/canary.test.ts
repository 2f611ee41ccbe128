import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Exchange, jsonLogger } from '@switchyard/core';
import { seeded } from '@switchyard/core/testing';
import { startPostgres } from '@switchyard/stores/testing';
import type { CanaryDefinition, CanaryTransition } from './canary.js';
import { MemoryCanaryStore, postgresCanaryStore, sqliteCanaryStore, type CanaryStore } from './canary-store.js';
import { experiments } from './experiments.js';

const definition: CanaryDefinition = {
  id: 'sonnet-canary',
  models: ['smart'],
  baseline: { provider: 'openai', model: 'gpt-4o' },
  candidate: { provider: 'anthropic', model: 'claude-sonnet-4-5' },
  steps: [10, 50, 100],
  stepDurationMs: 60_000,
  minSamples: 20,
  criteria: { maxErrorRate: 0.05, maxP95LatencyMs: 800 },
};

/** A simulated gateway: seeded outcomes per target, a clock that moves 100 ms per request. */
async function simulate(options: { store?: CanaryStore; seed?: number } = {}) {
  let clock = 1_000_000;
  const random = seeded(options.seed ?? 11);
  const transitions: (CanaryTransition & { at: number })[] = [];
  const lines: string[] = [];
  const exp = experiments({
    canaries: [definition],
    canaryEvaluationMs: 0,
    ...(options.store ? { canaryStore: options.store } : {}),
    onCanaryTransition: (t) => transitions.push({ ...t, at: clock }),
    logger: jsonLogger({ write: (s: string) => lines.push(s) }),
    random,
    now: () => clock,
  });
  await exp.ready();
  const errorRate = { openai: 0.01, anthropic: 0.01 };
  const served = { openai: 0, anthropic: 0 };
  const request = async () => {
    clock += 100;
    const exchange = new Exchange({ format: 'openai.chat', body: { model: 'smart', messages: [] }, headers: {}, now: () => clock });
    await exp.middleware(exchange, async () => {});
    const provider = exchange.plan!.targets[0]!.provider as 'openai' | 'anthropic';
    served[provider] += 1;
    clock += 50;
    exchange.settle(random() < errorRate[provider] ? { outcome: 'failed', status: 502 } : { outcome: 'completed', status: 200 });
  };
  return { exp, transitions, lines, errorRate, served, request, clock: () => clock };
}

test('a canary meeting its criteria moves up the ramp no faster than the step duration and is promoted', async () => {
  const sim = await simulate();
  for (let i = 0; i < 3000 && sim.exp.canaries.report('sonnet-canary').state.status === 'ramping'; i++) await sim.request();
  const report = sim.exp.canaries.report('sonnet-canary');
  assert.equal(report.state.status, 'promoted', JSON.stringify(report));
  assert.deepEqual(
    sim.transitions.map((t) => [t.to, t.share, t.criterion]),
    [
      ['ramping', 50, 'criteria_met'],
      ['ramping', 100, 'criteria_met'],
      ['promoted', 100, 'criteria_met'],
    ],
  );
  const started = 1_000_000;
  sim.transitions.forEach((t, i) =>
    assert.ok(t.at - (i === 0 ? started : sim.transitions[i - 1]!.at) >= 60_000, `step ${i} passed after less than its duration`),
  );
  assert.ok(sim.served.anthropic > 40 && sim.served.openai > 100);
  assert.ok(sim.lines.some((l) => l.includes('canary promoted')));
  // Once promoted, the candidate takes all the traffic.
  const before = sim.served.anthropic;
  for (let i = 0; i < 20; i++) await sim.request();
  assert.equal(sim.served.anthropic - before, 20);
});

test('a canary whose error rate rises is rolled back within one evaluation period, with the reason in the event and the log', async () => {
  const sim = await simulate({ seed: 5 });
  for (let i = 0; i < 3000 && sim.exp.canaries.report('sonnet-canary').share < 50; i++) await sim.request();
  assert.equal(sim.exp.canaries.report('sonnet-canary').share, 50);
  sim.errorRate.anthropic = 0.5; // the candidate starts failing
  const raisedAt = sim.clock();
  for (let i = 0; i < 1000 && sim.exp.canaries.report('sonnet-canary').state.status === 'ramping'; i++) await sim.request();
  const report = sim.exp.canaries.report('sonnet-canary');
  assert.equal(report.state.status, 'rolled_back');
  assert.ok(sim.clock() - raisedAt <= 15_000, `rolled back ${sim.clock() - raisedAt} ms after the error rate rose`);
  const rollback = sim.transitions.at(-1)!;
  assert.deepEqual([rollback.to, rollback.criterion], ['rolled_back', 'error_rate']);
  assert.match(rollback.reason, /^error rate \d+\.\d% over \d+ requests exceeds 5\.0%$/);
  assert.ok(sim.lines.some((l) => l.includes('canary rolled back') && l.includes('error rate')));
  // Rolled back: every request goes to the baseline.
  const before = sim.served.anthropic;
  for (let i = 0; i < 50; i++) await sim.request();
  assert.equal(sim.served.anthropic, before);
});

async function agreement(open: () => Promise<CanaryStore>) {
  const first = await simulate({ store: await open() });
  for (let i = 0; i < 3000 && first.exp.canaries.report('sonnet-canary').share < 50; i++) await first.request();
  // A second instance (or a restart) on the same database sees the step the first one reached…
  const second = await simulate({ store: await open() });
  assert.equal(second.exp.canaries.report('sonnet-canary').share, 50);
  // …and a rollback on it reaches the first at its next check.
  await second.exp.canaries.rollback('sonnet-canary', 'operator: bad answers reported');
  await first.exp.canaries.evaluate();
  const seen = first.exp.canaries.report('sonnet-canary').state;
  assert.deepEqual([seen.status, seen.reason], ['rolled_back', 'operator: bad answers reported']);
}

test('canary state is kept in SQLite and agreed on by every instance', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-canary-'));
  const dbs: Database.Database[] = [];
  try {
    await agreement(async () => {
      const db = new Database(join(dir, 'db.sqlite'));
      dbs.push(db);
      return sqliteCanaryStore(db);
    });
  } finally {
    for (const db of dbs) db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('canary state is kept in PostgreSQL and agreed on by every instance', async () => {
  const server = await startPostgres();
  const pool = new pg.Pool({ connectionString: server.url, max: 3 });
  try {
    await agreement(() => postgresCanaryStore(pool));
  } finally {
    await pool.end();
    await server.stop();
  }
});

test('a stale instance cannot overwrite a newer state', async () => {
  const store = new MemoryCanaryStore();
  const a = await simulate({ store });
  const b = await simulate({ store });
  await a.exp.canaries.rollback('sonnet-canary', 'from a');
  await b.exp.canaries.rollback('sonnet-canary', 'from b'); // b's version is stale: it adopts a's state
  const stored = (await store.list())[0]!.state;
  assert.equal(stored.reason, 'from a');
  assert.equal(b.exp.canaries.report('sonnet-canary').state.reason, 'from a');
});
