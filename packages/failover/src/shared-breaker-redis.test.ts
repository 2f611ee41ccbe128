/** Breaker openings and cool-downs shared through a real Redis between two failover instances. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Target } from '@switchyard/core';
import { createAdapter, createUndiciTransport, type ProviderAdapter } from '@switchyard/providers';
import { redisKeyValueStore } from '@switchyard/stores';
import { startRedis, type TestStoreServer } from '@switchyard/stores/testing';
import { failover } from './failover.js';
import { healthy, openaiError, startFaultServer, type FaultServer } from './fault-upstream.test.util.js';
import { post, startGateway, type Gateway } from './fault-harness.test.util.js';

const transport = createUndiciTransport({ connections: 8 });
let redisServer: TestStoreServer;
let redis: Redis;
let P: FaultServer;
let S: FaultServer;

before(async () => {
  redisServer = await startRedis();
  redis = new Redis(redisServer.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  P = await startFaultServer();
  S = await startFaultServer();
  S.set(healthy('s'));
});
after(async () => {
  redis.disconnect();
  await Promise.all([P.close(), S.close(), redisServer.stop()]);
  await transport.close();
});

const TARGETS: Target[] = [
  { provider: 'p', model: 'mp' },
  { provider: 's', model: 'ms' },
];

function adapters(): Map<string, ProviderAdapter> {
  return new Map([
    ['p', createAdapter({ name: 'p', type: 'openai-compatible', base_url: `${P.url}/v1` })],
    ['s', createAdapter({ name: 's', type: 'openai-compatible', base_url: `${S.url}/v1` })],
  ]);
}

async function pair(): Promise<[Gateway, Gateway]> {
  const storePrefix = `test:failover:${randomBytes(4).toString('hex')}:`;
  const options = { store: redisKeyValueStore(redis, { prefix: '' }), storePrefix, breaker: { consecutiveFailures: 2, coolDownMs: 30_000 } };
  return Promise.all([0, 1].map(() => startGateway({ adapters: adapters(), targets: TARGETS, transport, options }))) as Promise<[Gateway, Gateway]>;
}

const chat = (gw: Gateway) => post(`${gw.url}/v1/chat/completions`, { model: 'm', messages: [{ role: 'user', content: 'hi' }] });

describe('shared breaker state on a real Redis', () => {
  it('one instance opens the breaker; the other skips the target without a request', async () => {
    const [one, two] = await pair();
    try {
      P.set((_req, res) => openaiError(res, 500, 'boom', null, 'server_error'));
      const first = await chat(one);
      assert.equal(first.headers.get('x-switchyard-provider'), 's');
      assert.equal(P.requests.length, 2);
      assert.ok(one.log.includes('breaker.open:p'));
      const key = [...(await redis.keys('test:failover:*breaker:p:mp'))];
      assert.equal(key.length >= 1, true, 'the opening is in Redis');

      P.set(healthy('p')); // healthy again, but instance two must not find out by asking it
      const second = await chat(two);
      assert.equal(second.status, 200);
      assert.equal(second.headers.get('x-switchyard-provider'), 's');
      assert.equal(second.headers.get('x-switchyard-attempts'), '1');
      assert.equal(P.requests.length, 0);
      assert.ok(!two.log.includes('breaker.open:p'), 'instance two never opened a breaker of its own');
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('a 429 cool-down seen by one instance is honoured by the other', async () => {
    const [one, two] = await pair();
    try {
      P.set((_req, res) => openaiError(res, 429, 'slow down', 'rate_limit_exceeded', 'requests', { 'retry-after': '30' }));
      const first = await chat(one);
      assert.equal(first.headers.get('x-switchyard-provider'), 's');
      assert.equal(P.requests.length, 1);
      P.set(healthy('p'));
      const second = await chat(two);
      assert.equal(second.headers.get('x-switchyard-provider'), 's');
      assert.equal(P.requests.length, 0);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('a bare Redis client as `store` is refused at start-up, naming the wrapper to use', () => {
    // It used to be told apart from a KeyValueStore by the absence of `increment`.
    assert.throws(
      () => failover({ adapters: adapters(), transport, store: redis as never }),
      (err: Error) => err instanceof TypeError && /redisKeyValueStore/.test(err.message),
    );
  });
});
