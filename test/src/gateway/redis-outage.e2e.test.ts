/**
 * A Redis outage mid-traffic: requests fail fast into the documented `on_store_error` policy
 * instead of each waiting for the store's timeout while the client queues commands offline.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createGateway } from '@switchyard/gateway';
import { startRedis } from '@switchyard/stores/testing';

const KEY = 'sk-redis-outage-test-0123456789abcdef';

async function gatewayOn(redisUrl: string, onStoreError: 'open' | 'closed') {
  const gateway = await createGateway({
    config: {
      storage: { sqlite_path: join(mkdtempSync(join(tmpdir(), 'sy-redis-outage-')), 'switchyard.db'), redis_url: redisUrl },
      auth: { required: true, keys: [{ name: 'outage', key: KEY }] },
      usage: { enabled: false },
      ai_gateway: {
        providers: [{ name: 'sim', type: 'simulated', models: ['sim-1'], latency_ms: 1, tokens_per_second: 0 }],
        rate_limits: { on_store_error: onStoreError, default_limits: { requests_per_minute: 10_000 } },
      },
    },
  });
  const server = await gateway.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const ask = async () => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: 'sim-1', messages: [{ role: 'user', content: 'hi' }] }),
    });
    return { status: res.status, body: (await res.json()) as { error?: { code?: string } } };
  };
  return { gateway, ask };
}

for (const policy of ['closed', 'open'] as const) {
  test(`redis stopped mid-test: requests fail fast into on_store_error=${policy}`, async () => {
    const redis = await startRedis({ own: true });
    const { gateway, ask } = await gatewayOn(redis.url, policy);
    try {
      assert.equal((await ask()).status, 200);
      await redis.stop();
      // Let the client notice and go through a few reconnect attempts (its back-off grows).
      await new Promise((r) => setTimeout(r, 3000));
      const N = 10;
      const started = Date.now();
      for (let i = 0; i < N; i++) {
        const { status, body } = await ask();
        if (policy === 'closed') {
          assert.equal(status, 503);
          assert.equal(body.error?.code, 'rate_limit_unavailable');
        } else {
          assert.equal(status, 200);
        }
      }
      const elapsed = Date.now() - started;
      // Waiting for the store timeout (500 ms) would take at least N × 500 ms; failing fast
      // takes a few ms per request. The bound is half the slow path: far from either.
      assert.ok(elapsed < (N * 500) / 2, `${N} requests took ${elapsed} ms during the outage`);
    } finally {
      await gateway.close();
      await redis.stop();
    }
  });
}
