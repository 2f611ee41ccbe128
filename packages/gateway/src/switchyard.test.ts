import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EventBus } from '@switchyard/core';
import { createSwitchyard } from './switchyard.js';

test('createSwitchyard mounted in an app writes no file unless storage.sqlite_path is set', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-mount-'));
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const switchyard = await createSwitchyard({ config: { ai_gateway: { providers: [{ name: 'sim', type: 'simulated', models: ['sim-1'] }] } } });
    const key = await switchyard.stack.keys.create({ name: 'in-memory' });
    assert.ok(key.secret.startsWith('sk-'));
    await switchyard.close();
    assert.equal(existsSync(join(dir, '.switchyard')), false);
  } finally {
    process.chdir(cwd);
  }
});

test("close() removes every listener the gateway put on the app's event bus", async () => {
  const bus = new EventBus();
  const names = [
    'exchange.start',
    'exchange.settled',
    'attempt.start',
    'attempt.end',
    'retry',
    'failover',
    'giveup',
    'breaker.open',
    'breaker.close',
    'provider.status',
    'key.revoked',
  ] as const;
  const appListener = () => {};
  bus.on('attempt.end', appListener);
  const switchyard = await createSwitchyard({ events: bus, config: { ai_gateway: { providers: [{ name: 'sim', type: 'simulated', models: ['sim-1'] }] } } });
  assert.ok(
    names.some((n) => bus.listenerCount(n) > 1),
    'the gateway subscribes to the bus',
  );
  await switchyard.close();
  for (const name of names) assert.equal(bus.listenerCount(name), name === 'attempt.end' ? 1 : 0, name);
});
