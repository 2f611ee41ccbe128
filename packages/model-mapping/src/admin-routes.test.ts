import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { koaRoutes } from '@switchyard/core/koa';
import { catalogAdminRoutes } from './admin-routes.js';
import { createCatalog, openCatalog, type Catalog } from './catalog.js';
import { memoryCatalogStore, type CatalogOverrideStore } from './catalog-override-store.js';
import { ModelMapper } from './mapper.js';
import { LOOM_CONFIG } from './fixtures.js';

async function withAdmin(fn: (base: string) => Promise<void>, catalog: Catalog = createCatalog({ providers: LOOM_CONFIG.providers })) {
  const app = new Koa();
  app.use(koaRoutes(catalogAdminRoutes({ catalog, mapper: new ModelMapper(LOOM_CONFIG, catalog), isAvailable: (p) => p !== 'anthropic' })));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

const json = (method: string, body: unknown) => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

test('list, get and update catalog models', async () => {
  await withAdmin(async (base) => {
    const list = (await (await fetch(`${base}/models?provider=openai`)).json()) as { data: Array<{ model: string }> };
    assert.deepEqual(list.data.map((m) => m.model).sort(), ['gpt-3.5-turbo', 'gpt-4']);
    const one = (await (await fetch(`${base}/models/openai/gpt-4`)).json()) as Record<string, unknown>;
    assert.equal(one.context_window, 8192);
    assert.equal(one.price_source, 'config');
    const patched = await fetch(
      `${base}/models/openai/gpt-4`,
      json('PATCH', { enabled: false, context_window: 16000, cost: { input_per_1m: 5 }, capabilities: { vision: true } }),
    );
    assert.equal(patched.status, 200);
    const body = (await patched.json()) as { enabled: boolean; context_window: number; prices_per_1m: { input: number }; capabilities: { vision: boolean } };
    assert.equal(body.enabled, false);
    assert.equal(body.context_window, 16000);
    assert.equal(body.prices_per_1m.input, 5);
    assert.equal(body.capabilities.vision, true);
    const disabled = (await (await fetch(`${base}/models?enabled=false`)).json()) as { data: unknown[] };
    assert.equal(disabled.data.length, 1);
    assert.equal((await fetch(`${base}/models/openai/nope`)).status, 404);
  });
});

test('bad admin input is a 400 naming the field', async () => {
  await withAdmin(async (base) => {
    for (const [body, param] of [
      [{ enabled: 'yes' }, 'enabled'],
      [{ context_window: -5 }, 'context_window'],
      [{ cost: { input_per_1k: 'x' } }, 'cost.input_per_1k'],
      [{ capabilities: { telepathy: true } }, 'capabilities.telepathy'],
      [{ colour: 'red' }, 'colour'],
    ] as const) {
      const res = await fetch(`${base}/models/openai/gpt-4`, json('PATCH', body));
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(((await res.json()) as { error: { param: string } }).error.param, param);
    }
    const malformed = await fetch(`${base}/models/openai/gpt-4`, json('PATCH', '{nope'));
    assert.equal(malformed.status, 400);
    const big = await fetch(`${base}/models/openai/gpt-4`, json('PATCH', { region: 'x'.repeat(70_000) }));
    assert.equal(big.status, 413);
  });
});

test('POST /costs/analyze returns cost and availability on each provider', async () => {
  await withAdmin(async (base) => {
    const res = await fetch(`${base}/costs/analyze`, json('POST', { model: 'gpt-4', input_tokens: 1000, output_tokens: 1000 }));
    assert.equal(res.status, 200);
    const body = (await res.json()) as { providers: Array<{ provider: string; cost_usd: number | null; available: boolean }>; cheapest: { provider: string } };
    const byName = Object.fromEntries(body.providers.map((p) => [p.provider, p]));
    assert.ok(Math.abs(byName.openai!.cost_usd! - 0.04) < 1e-9);
    assert.ok(Math.abs(byName.anthropic!.cost_usd! - 0.09) < 1e-9);
    assert.equal(byName.anthropic!.available, false);
    assert.equal(byName.local!.cost_usd, 0);
    assert.equal(body.cheapest.provider, 'local');
    const bad = await fetch(`${base}/costs/analyze`, json('POST', { model: 'gpt-4', input_tokens: -1 }));
    assert.equal(((await bad.json()) as { error: { param: string } }).error.param, 'input_tokens');
    assert.equal((await fetch(`${base}/costs/analyze`, json('POST', { model: 'gpt-9' }))).status, 404);
  });
});

test('PATCH writes through to the store; null resets a field; DELETE …/override resets the model', async () => {
  const store = memoryCatalogStore();
  const catalog = await openCatalog({ providers: LOOM_CONFIG.providers, store, refreshMs: 0, now: () => Date.UTC(2025, 0, 2) });
  await withAdmin(async (base) => {
    const patched = await fetch(`${base}/models/openai/gpt-4`, json('PATCH', { enabled: false, context_window: 16000 }));
    assert.equal(patched.status, 200);
    assert.deepEqual(((await patched.json()) as { override: unknown }).override, {
      enabled: false,
      context_window: 16000,
      updated_at: '2025-01-02T00:00:00.000Z',
    });
    assert.deepEqual(
      (await store.list()).map((o) => o.patch),
      [{ enabled: false, context_window: 16000 }],
    );

    const cleared = (await (await fetch(`${base}/models/openai/gpt-4`, json('PATCH', { context_window: null }))).json()) as {
      context_window: number;
      enabled: boolean;
    };
    assert.deepEqual([cleared.context_window, cleared.enabled], [8192, false]);
    assert.deepEqual(
      (await store.list()).map((o) => o.patch),
      [{ enabled: false }],
    );

    const reset = await fetch(`${base}/models/openai/gpt-4/override`, { method: 'DELETE' });
    assert.equal(reset.status, 200);
    const body = (await reset.json()) as { enabled: boolean; override: unknown; price_source: string };
    assert.deepEqual([body.enabled, body.override, body.price_source], [true, null, 'config']);
    assert.deepEqual(await store.list(), []);

    await fetch(`${base}/models/openai/gpt-4o`, json('PATCH', { enabled: true }));
    assert.equal((await fetch(`${base}/models/openai/gpt-4o/override`, { method: 'DELETE' })).status, 204, 'the model existed only through its override');
    assert.equal((await fetch(`${base}/models/openai/gpt-4o/override`, { method: 'DELETE' })).status, 404);
    assert.equal((await fetch(`${base}/models/nope/gpt-4/override`, { method: 'DELETE' })).status, 404);
    assert.equal((await fetch(`${base}/models/openai/gpt-4`, json('PATCH', { enabled: null, colour: null }))).status, 400);
  }, catalog);
});

test('a store failure on PATCH is a 500 and the model keeps its values', async () => {
  const failing: CatalogOverrideStore = { ...memoryCatalogStore(), put: () => Promise.reject(new Error('db down')) };
  const catalog = await openCatalog({ providers: LOOM_CONFIG.providers, store: failing, refreshMs: 0 });
  await withAdmin(async (base) => {
    const res = await fetch(`${base}/models/openai/gpt-4`, json('PATCH', { enabled: false }));
    assert.equal(res.status, 500);
    assert.equal(((await (await fetch(`${base}/models/openai/gpt-4`)).json()) as { enabled: boolean }).enabled, true);
  }, catalog);
});
