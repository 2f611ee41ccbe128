import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startPostgres, type TestStoreServer } from '@switchyard/stores/testing';
import { createCatalog, openCatalog } from './catalog.js';
import { memoryCatalogStore, type CatalogOverrideStore, type StoredOverride } from './catalog-override-store.js';
import { sqliteCatalogStore } from './sqlite-catalog-store.js';
import { postgresCatalogStore } from './postgres-catalog-store.js';
import { LOOM_CONFIG } from './fixtures.js';

const providers = LOOM_CONFIG.providers;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-catalog-'));
let pgServer: TestStoreServer | undefined;

before(async () => {
  pgServer = await startPostgres();
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await pgServer?.stop();
});

test('an admin override survives a restart on the same SQLite file', async () => {
  const file = join(dir, 'restart.db');
  const db1 = new Database(file);
  const first = await openCatalog({ providers, store: sqliteCatalogStore(db1), now: () => 1_700_000_000_000 });
  await first.setOverride('openai', 'gpt-4', { enabled: false, cost: { input_per_1m: 5 } });
  first.close();
  db1.close();

  const db2 = new Database(file);
  try {
    const restarted = createCatalog({ providers, store: sqliteCatalogStore(db2) });
    assert.equal(restarted.get('openai', 'gpt-4')!.enabled, true, 'not loaded yet: config values');
    await restarted.load();
    restarted.close();
    const m = restarted.get('openai', 'gpt-4')!;
    assert.equal(m.enabled, false);
    assert.equal(m.priceSource, 'admin');
    assert.equal(m.prices!.input, 5);
    assert.ok(Math.abs(m.prices!.output - 30) < 1e-9, 'a partial admin price keeps the config output price');
    assert.equal(restarted.override('openai', 'gpt-4')!.updatedAt, 1_700_000_000_000);
  } finally {
    db2.close();
  }
});

test('precedence: price table < provider cost < config models < stored admin override; reset goes back', async () => {
  const store = memoryCatalogStore();
  await store.put({ provider: 'openai', model: 'gpt-4', patch: { context_window: 9000, capabilities: { vision: true } }, updatedAt: 1 });
  const catalog = await openCatalog({
    providers,
    models: [{ provider: 'openai', model: 'gpt-4', context_window: 4096, max_output_tokens: 1024, capabilities: { vision: false, tools: false } }],
    store,
    refreshMs: 0,
  });
  let m = catalog.get('openai', 'gpt-4')!;
  assert.equal(m.contextWindow, 9000, 'admin beats config');
  assert.equal(m.maxOutputTokens, 1024, 'config field the admin did not touch stays');
  assert.deepEqual([m.capabilities.vision, m.capabilities.tools], [true, false]);
  assert.equal(m.priceSource, 'config');

  m = await catalog.setOverride('openai', 'gpt-4', { context_window: null });
  assert.equal(m.contextWindow, 4096, 'null removes the field from the override');
  assert.deepEqual((await store.list())[0]!.patch, { capabilities: { vision: true } });

  const reset = await catalog.resetOverride('openai', 'gpt-4');
  assert.equal(reset.removed, true);
  assert.equal(reset.model!.capabilities.vision, false);
  assert.deepEqual(await store.list(), []);
  assert.equal((await catalog.resetOverride('openai', 'gpt-4')).removed, false);
});

test('an override of an unlisted model adds it; resetting it removes the model again', async () => {
  const store = memoryCatalogStore();
  const catalog = await openCatalog({ providers, store, refreshMs: 0 });
  assert.equal(catalog.get('openai', 'gpt-4o'), undefined);
  await catalog.setOverride('openai', 'gpt-4o', { context_window: 128000 });
  assert.equal(catalog.get('openai', 'gpt-4o')!.contextWindow, 128000);
  const reset = await catalog.resetOverride('openai', 'gpt-4o');
  assert.deepEqual([reset.removed, reset.model], [true, undefined]);
  assert.equal(catalog.get('openai', 'gpt-4o'), undefined);
  assert.ok(!catalog.list().some((x) => x.model === 'gpt-4o'));
});

test('a PATCH that empties the override deletes the stored row', async () => {
  const store = memoryCatalogStore();
  const catalog = await openCatalog({ providers, store, refreshMs: 0 });
  await catalog.setOverride('openai', 'gpt-4', { enabled: false });
  await catalog.setOverride('openai', 'gpt-4', { enabled: null });
  assert.deepEqual(await store.list(), []);
  assert.equal(catalog.override('openai', 'gpt-4'), undefined);
});

test('a store write failure leaves the catalog unchanged; bad values never reach the store', async () => {
  const inner = memoryCatalogStore();
  const failing: CatalogOverrideStore = { ...inner, put: async () => Promise.reject(new Error('disk full')) };
  const catalog = await openCatalog({ providers, store: failing, refreshMs: 0 });
  await assert.rejects(catalog.setOverride('openai', 'gpt-4', { enabled: false }), /disk full/);
  assert.equal(catalog.get('openai', 'gpt-4')!.enabled, true);

  const ok = await openCatalog({ providers, store: inner, refreshMs: 0 });
  await assert.rejects(ok.setOverride('openai', 'gpt-4', { cost: { input_per_1m: -1 } }), TypeError);
  await assert.rejects(ok.setOverride('nope', 'gpt-4', { enabled: false }), /unknown provider/);
  assert.deepEqual(await inner.list(), []);
});

test('stored overrides for removed providers or with invalid values are skipped, the rest load', async () => {
  const store = memoryCatalogStore();
  await store.put({ provider: 'gone', model: 'x', patch: { enabled: false }, updatedAt: 1 });
  await store.put({ provider: 'openai', model: 'gpt-3.5-turbo', patch: { context_window: -3 } as never, updatedAt: 1 });
  await store.put({ provider: 'openai', model: 'gpt-4', patch: { enabled: false }, updatedAt: 1 });
  const warnings: string[] = [];
  const logger = { debug() {}, info() {}, warn: (_o: object, msg?: string) => void warnings.push(msg ?? ''), error() {} };
  const catalog = await openCatalog({ providers, store, refreshMs: 0, logger });
  assert.equal(catalog.get('openai', 'gpt-4')!.enabled, false);
  assert.equal(catalog.get('openai', 'gpt-3.5-turbo')!.contextWindow, 16385);
  assert.deepEqual(warnings, ['catalog: invalid stored override skipped']);
});

test('open rejects when the store cannot be read; a failed refresh keeps the current overrides', async () => {
  const inner = memoryCatalogStore();
  let broken = true;
  const flaky: CatalogOverrideStore = { ...inner, list: () => (broken ? Promise.reject(new Error('db down')) : inner.list()) };
  await assert.rejects(openCatalog({ providers, store: flaky, refreshMs: 0 }), /db down/);
  broken = false;
  const catalog = await openCatalog({ providers, store: flaky, refreshMs: 0 });
  await catalog.setOverride('openai', 'gpt-4', { enabled: false });
  broken = true;
  await assert.rejects(catalog.refresh(), /db down/);
  assert.equal(catalog.get('openai', 'gpt-4')!.enabled, false);
});

test('a local change made while a refresh reads the store is not undone by it', async () => {
  const inner = memoryCatalogStore();
  let release!: (rows: StoredOverride[]) => void;
  let gate = false;
  const slow: CatalogOverrideStore = {
    ...inner,
    list: () => (gate ? new Promise<StoredOverride[]>((r) => (release = r)) : inner.list()),
  };
  const catalog = await openCatalog({ providers, store: slow, refreshMs: 0 });
  gate = true;
  const refreshing = catalog.refresh();
  await new Promise((r) => setImmediate(r));
  await catalog.setOverride('openai', 'gpt-4', { enabled: false });
  release([]); // what the store held before the change
  await refreshing;
  assert.equal(catalog.get('openai', 'gpt-4')!.enabled, false);
});

test('two catalogs on one PostgreSQL database: refresh picks up the other instance’s change', async () => {
  const poolA = new pg.Pool({ connectionString: pgServer!.url, max: 2 });
  const poolB = new pg.Pool({ connectionString: pgServer!.url, max: 2 });
  const a = await openCatalog({ providers, store: await postgresCatalogStore(poolA), refreshMs: 0 });
  const b = await openCatalog({ providers, store: await postgresCatalogStore(poolB), refreshMs: 0 });
  try {
    await a.setOverride('anthropic', 'claude-3-opus', { enabled: false, cost: { input_per_1m: 1, output_per_1m: 2 } });
    assert.equal(b.get('anthropic', 'claude-3-opus')!.enabled, true, 'b has not refreshed yet');
    await b.refresh();
    const seen = b.get('anthropic', 'claude-3-opus')!;
    assert.equal(seen.enabled, false);
    assert.deepEqual([seen.prices!.input, seen.prices!.output, seen.priceSource], [1, 2, 'admin']);

    await b.setOverride('anthropic', 'claude-3-opus', { enabled: true });
    await a.refresh();
    assert.equal(a.get('anthropic', 'claude-3-opus')!.enabled, true);
    assert.equal(a.get('anthropic', 'claude-3-opus')!.prices!.input, 1, 'b merged onto what it had loaded');

    await a.resetOverride('anthropic', 'claude-3-opus');
    await b.refresh();
    assert.equal(b.override('anthropic', 'claude-3-opus'), undefined);
    assert.equal(b.get('anthropic', 'claude-3-opus')!.priceSource, 'config');
  } finally {
    a.close();
    b.close();
    await Promise.all([poolA.end(), poolB.end()]);
  }
});

test('load() re-reads the store every refreshMs until close()', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const store = memoryCatalogStore();
  const a = await openCatalog({ providers, store, refreshMs: 0 });
  const b = await openCatalog({ providers, store, refreshMs: 5000 });
  const settle = () => new Promise((r) => setImmediate(r));

  await a.setOverride('openai', 'gpt-4', { enabled: false });
  t.mock.timers.tick(4999);
  await settle();
  assert.equal(b.get('openai', 'gpt-4')!.enabled, true, 'not before refreshMs');
  t.mock.timers.tick(1);
  await settle();
  assert.equal(b.get('openai', 'gpt-4')!.enabled, false);

  b.close();
  await a.setOverride('openai', 'gpt-4', { enabled: true });
  t.mock.timers.tick(10_000);
  await settle();
  assert.equal(b.get('openai', 'gpt-4')!.enabled, false, 'no refresh after close()');
});

test('bad catalog options fail at start-up', () => {
  assert.throws(() => createCatalog({ providers, store: {} as never }), TypeError);
  assert.throws(() => createCatalog({ providers, refreshMs: -1 }), TypeError);
});
