import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startRedis, type TestStoreServer } from './testing.js';
import { redisKeyValueStore } from './redis-key-value-store.js';

let server: TestStoreServer;
let client: Redis;
const prefix = `sy-test-${randomBytes(4).toString('hex')}:`;

before(async () => {
  server = await startRedis();
  client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
});

after(async () => {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
  client.disconnect();
  await server.stop();
});

test('get / set / delete / increment with TTL on a real Redis', async () => {
  const store = redisKeyValueStore(client, { prefix });
  assert.equal(await store.get('missing'), undefined);
  await store.set('obj', { provider: 'openai', model: 'gpt-4o' }, 60_000);
  assert.deepEqual(await store.get('obj'), { provider: 'openai', model: 'gpt-4o' });
  const ttl = await client.pttl(`${prefix}obj`);
  assert.ok(ttl > 0 && ttl <= 60_000, `ttl ${ttl}`);
  await store.delete('obj');
  assert.equal(await store.get('obj'), undefined);
  assert.equal(await store.increment('n', 1, 5_000), 1);
  assert.equal(await store.increment('n', 2, 999_999), 3);
  const nTtl = await client.pttl(`${prefix}n`);
  assert.ok(nTtl > 0 && nTtl <= 5_000, 'TTL set when created, not extended');
  assert.equal(await store.increment('forever'), 1);
  assert.equal(await client.pttl(`${prefix}forever`), -1);
  await assert.rejects(store.increment('n', 0.5), TypeError);
});
