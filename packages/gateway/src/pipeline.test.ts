import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, validateConfig } from './config/load.js';
import { isValidatedConfig } from './config/validated.js';
import { createGateway } from './gateway.js';
import { admissionOrder } from './stack.js';
import { createSwitchyard } from './switchyard.js';

const sim = { name: 'sim', type: 'simulated', models: ['sim-1'] };

test('the stack names its admission pieces and its executor; admissionOrder runs them in the documented order', async () => {
  const open = await createSwitchyard({ config: { ai_gateway: { providers: [sim] } } });
  const locked = await createSwitchyard({
    config: { auth: { required: true }, usage: { enabled: false }, ai_gateway: { providers: [{ ...sim, rate_limit: { requests_per_minute: 5 } }] } },
  });
  try {
    assert.equal(open.stack.admission.auth, undefined, 'auth.required is off');
    assert.equal(open.stack.admission.providerLimits, undefined, 'no provider has a rate_limit block');
    assert.deepEqual(
      admissionOrder(open.stack.admission).map((m) => m.name),
      ['usageAccounting', 'rateLimit', 'modelMapping', 'strategySelector', 'strategyOverride'],
    );
    assert.equal(locked.stack.admission.accounting, undefined, 'usage.enabled is off');
    assert.deepEqual(
      admissionOrder(locked.stack.admission).map((m) => m.name),
      ['apiKeyAuth', 'rateLimit', 'modelMapping', 'strategySelector', 'strategyOverride', 'providerLimits'],
    );
    assert.equal(typeof open.stack.executor.breakerStates, 'function', 'the executor is failover, by name');
  } finally {
    await open.close();
    await locked.close();
  }
});

test('a plain object shaped like a validated config is validated: defaults filled, durations read, bad values refused', async () => {
  const raw = { server: { request_timeout: '5s' }, ai_gateway: { routing: {}, providers: [sim] } };
  const switchyard = await createSwitchyard({ config: raw });
  try {
    assert.equal(switchyard.config.server.request_timeout, 5000);
    assert.equal(switchyard.config.usage.enabled, true, 'defaults of the sections the object leaves out');
    assert.ok(isValidatedConfig(switchyard.config));
  } finally {
    await switchyard.close();
  }
  const bad = { server: {}, ai_gateway: { routing: { strategy: 'fastest' }, providers: [sim] } };
  await assert.rejects(createSwitchyard({ config: bad }), (err: Error) => err instanceof ConfigError && /ai_gateway\.routing\.strategy/.test(err.message));
  await assert.rejects(
    createGateway({ config: { ...bad, storage: { sqlite_path: ':memory:' } } }),
    (err: Error) => err instanceof ConfigError && /ai_gateway\.routing\.strategy/.test(err.message),
  );
});

test('a validated config carries the brand and is not validated again; a copy of it is', async () => {
  const { config } = validateConfig({ storage: { sqlite_path: ':memory:' }, ai_gateway: { providers: [sim] } }, {});
  assert.ok(isValidatedConfig(config));
  assert.equal(isValidatedConfig(structuredClone(config)), false, 'a copy is not branded');
  const switchyard = await createSwitchyard({ config });
  const gateway = await createGateway({ config });
  try {
    assert.equal(switchyard.config, config, 'used as given');
    assert.equal(gateway.config, config);
  } finally {
    await switchyard.close();
    await gateway.close();
  }
});
