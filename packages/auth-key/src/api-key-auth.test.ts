import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Exchange, isGatewayError } from '@switchyard/core';
import { apiKeyAuth } from './api-key-auth.js';
import { createKeyManager } from './key-manager.js';
import { MemoryKeyStore } from './memory-key-store.js';

const exchange = (headers: Record<string, string> = {}) => new Exchange({ format: 'openai.chat', body: { model: 'm', messages: [] }, headers });

test('a principal resolved by an earlier piece (appAuth) is kept; without one a key is required', async () => {
  const auth = apiKeyAuth({ keys: createKeyManager({ store: new MemoryKeyStore() }) });
  const fromApp = exchange();
  fromApp.principal = { id: 'user-7', name: 'Ada', kind: 'app' };
  let reached = false;
  await auth(fromApp, async () => {
    reached = true;
  });
  assert.equal(reached, true);
  assert.equal(fromApp.principal.id, 'user-7');

  await assert.rejects(
    auth(exchange(), async () => {}),
    (err: unknown) => isGatewayError(err) && err.status === 401,
  );
});
