import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGateway } from '@switchyard/gateway';

const providers = [{ name: 'sim', type: 'simulated', models: ['sim-1'] }];

test('rate_limits.lease sets the concurrency lease of key and provider limits (default 30 s)', async () => {
  const configured = await createGateway({ config: { storage: { sqlite_path: ':memory:' }, ai_gateway: { providers, rate_limits: { lease: '2s' } } } });
  const defaults = await createGateway({ config: { storage: { sqlite_path: ':memory:' }, ai_gateway: { providers } } });
  try {
    assert.equal(configured.switchyard.stack.limiter.leaseMs, 2000);
    assert.equal(defaults.switchyard.stack.limiter.leaseMs, 30_000);
  } finally {
    await configured.close();
    await defaults.close();
  }
});
