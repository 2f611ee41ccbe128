import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Exchange } from '@switchyard/core';
import { redisKeyValueStore } from '@switchyard/stores';
import { startRedis, type TestStoreServer } from '@switchyard/stores/testing';
import { strategySelector } from './strategy-selector.js';

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

test('two instances sharing one Redis keep one round-robin cursor', async () => {
  const store = redisKeyValueStore(client, { prefix });
  const routing = { strategy: 'round_robin' };
  const instances = [strategySelector({ store, routing }), strategySelector({ store, routing })];
  const firsts: string[] = [];
  for (let i = 0; i < 6; i++) {
    const ex = new Exchange({ format: 'openai.chat', body: { model: 'm', messages: [] }, headers: {} });
    ex.candidates = [
      { provider: 'a', model: 'm' },
      { provider: 'b', model: 'm' },
      { provider: 'c', model: 'm' },
    ];
    await instances[i % 2]!(ex, async () => {});
    firsts.push(ex.plan!.targets[0]!.provider);
  }
  assert.deepEqual(firsts, ['a', 'b', 'c', 'a', 'b', 'c']);
});
