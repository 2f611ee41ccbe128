import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Exchange } from '@switchyard/core';
import { captureLogger } from './harness.test.js';
import { createKeyManager } from './key-manager.js';
import type { KeyRecord } from './key-record.js';
import { MemoryKeyStore } from './memory-key-store.js';

test('a record is accepted only if its stored hash matches exactly (compare after the indexed lookup)', async () => {
  const store = new MemoryKeyStore();
  const keys = createKeyManager({ store });
  const { secret } = await keys.create({ name: 'real' });
  const stored = (await store.list())[0]!;
  // A store whose index is loose (e.g. a case-insensitive collation) hands back a near miss.
  const loose = Object.create(store) as MemoryKeyStore;
  loose.findByHash = async (): Promise<KeyRecord> => ({ ...stored, hash: stored.hash.slice(0, -1) + (stored.hash.endsWith('0') ? '1' : '0') });
  const strict = createKeyManager({ store: loose, cacheTtlMs: 0 });
  await assert.rejects(strict.authenticate({ authorization: `Bearer ${secret}` }), { status: 401 });
  assert.equal((await keys.authenticate({ authorization: `Bearer ${secret}` })).record.id, stored.id);
  await Promise.all([keys.close(), strict.close()]);
});

test('an exchange admitted just before a revocation landed is refused when tracked', async () => {
  const keys = createKeyManager({ store: new MemoryKeyStore() });
  const { record } = await keys.create({ name: 'race' });
  await keys.revoke(record.id);
  const exchange = new Exchange({ format: 'openai.chat', body: { model: 'm' }, headers: {} });
  assert.throws(() => keys.track(record.id, exchange), { status: 401 });
  await keys.close();
});

test('revocation aborts tracked exchanges with the 401 and emits one info log without secrets', async () => {
  const logger = captureLogger();
  const keys = createKeyManager({ store: new MemoryKeyStore(), logger });
  const { record, secret } = await keys.create({ name: 'live' });
  const exchange = new Exchange({ format: 'openai.chat', body: { model: 'm' }, headers: {} });
  keys.track(record.id, exchange);
  await keys.revoke(record.id);
  assert.equal(exchange.signal.aborted, true);
  assert.equal((exchange.signal.reason as { status: number }).status, 401);
  assert.ok(logger.lines.some((l) => l.includes('"cutExchanges":1')));
  assert.ok(!logger.lines.join('').includes(secret));
  await keys.close();
});
