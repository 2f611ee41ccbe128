import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { startRedis, type TestStoreServer } from '@switchyard/stores/testing';
import { redisKeyChannel, type KeyChannel, type KeyNotice } from './key-events.js';
import { createKeyManager, type KeyManager } from './key-manager.js';
import { MemoryKeyStore } from './memory-key-store.js';

let redis: TestStoreServer;
let client: Redis;
let subscriber: Redis;
let channel: KeyChannel;
let keys: KeyManager;
const store = new MemoryKeyStore();
const subscriberName = `auth-key-test-${randomBytes(6).toString('hex')}`;

before(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  subscriber = new Redis(redis.url, { connectionName: subscriberName, retryStrategy: () => 20 });
  channel = redisKeyChannel({ client, subscriber });
  keys = createKeyManager({ store, channel, cacheTtlMs: 600_000 });
  await keys.ready();
});

after(async () => {
  await keys?.close();
  await channel?.close();
  await Promise.all([client?.quit(), subscriber?.quit()]);
  await redis?.stop();
});

test('when the Redis subscriber reconnects, the channel sends a reset and the key cache is dropped', { timeout: 10_000 }, async () => {
  const { record, secret } = await keys.create({ name: 'changed-while-deaf' });
  const auth = { authorization: `Bearer ${secret}` };
  assert.equal((await keys.authenticate(auth)).record.policy.allowedModels, undefined);
  // A change whose notice this instance never got (as if published while it was disconnected).
  await store.update(record.id, { policy: { allowedModels: ['sim-1'] } });
  assert.equal((await keys.authenticate(auth)).record.policy.allowedModels, undefined);

  const reset = new Promise<KeyNotice>((resolve) => {
    const off = channel.subscribe((n) => n.type === 'reset' && (off(), resolve(n)));
  });
  // Kill only our subscriber connection (a shared test Redis may serve other suites).
  const list = (await client.client('LIST')) as string;
  const id = list
    .split('\n')
    .find((line) => line.includes(`name=${subscriberName}`))
    ?.match(/\bid=(\d+)/)?.[1];
  assert.ok(id, 'subscriber connection not found');
  await client.client('KILL', 'ID', id);
  await reset;
  assert.deepEqual((await keys.authenticate(auth)).record.policy.allowedModels, ['sim-1']);
});
