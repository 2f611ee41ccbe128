// Failover naming its own targets, mounted with auth-key and rate-limit as a newcomer would, is
// tested end to end in test/src/failover-alone.e2e.test.ts; here, the start-up checks.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { HttpTransport, ProviderAdapter } from '@switchyard/providers';
import { failover } from './failover.js';

const transport: HttpTransport = { name: 'none', request: () => Promise.reject(new Error('unused')), close: async () => {} };

it('a malformed targets option is refused at start-up', () => {
  const adapters = new Map<string, ProviderAdapter>();
  assert.throws(() => failover({ adapters, transport, targets: [] }), /targets/);
  assert.throws(() => failover({ adapters, transport, targets: [{ provider: '' }] }), /targets\[0\]\.provider/);
});
