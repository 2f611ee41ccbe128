import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, validateConfig } from './load.js';

const repoConfig = (name: string) => new URL(`../../../../config/${name}`, import.meta.url).pathname;

function writeTemp(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sy-config-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

test('the embedded default config has two simulated providers and listens on 127.0.0.1:8787', async () => {
  const { config, source } = await loadConfig({ env: {} });
  assert.equal(source, 'embedded default');
  assert.deepEqual(
    config.ai_gateway.providers.map((p) => p.type),
    ['simulated', 'simulated'],
  );
  assert.equal(config.server.host, '127.0.0.1');
  assert.equal(config.server.port, 8787);
});

test("Loom's Complete Example loads as written, with ${ENV} interpolation and defaults", async () => {
  const { config, warnings } = await loadConfig({ file: repoConfig('loom-complete.yaml'), env: { OPENAI_API_KEY: 'sk-test-openai' } });
  assert.deepEqual(
    config.ai_gateway.providers.map((p) => p.name),
    ['openai', 'anthropic', 'local'],
  );
  assert.equal(config.ai_gateway.providers[0]!.api_key, 'sk-test-openai');
  assert.equal(config.ai_gateway.providers[0]!.base_url, 'http://127.0.0.1:9101/v1');
  assert.deepEqual(
    config.ai_gateway.routing.providers.map((p) => p.priority),
    [1, 2, 3],
  );
  assert.deepEqual(config.ai_gateway.model_mapping['gpt-4'], { openai: 'gpt-4-turbo-preview', anthropic: 'claude-3-opus-20240229', local: 'llama-2-70b' });
  // The unset ANTHROPIC_API_KEY is reported by path, never silently.
  assert.ok(
    warnings.some((w) => w.includes('ai_gateway.providers[1].api_key') && w.includes('ANTHROPIC_API_KEY')),
    warnings.join('\n'),
  );
});

test('a bad field stops loading with its path', async () => {
  const file = writeTemp(
    'bad.yaml',
    'ai_gateway:\n  providers:\n    - name: ok\n      type: openai\n    - name: broken\n      base_url: not a url\n      type: openai\n',
  );
  await assert.rejects(loadConfig({ file, env: {} }), (err: Error) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /ai_gateway\.providers\[1\]\.base_url/);
    return true;
  });
});

test('config errors never echo a provider secret', () => {
  assert.throws(
    () => validateConfig({ ai_gateway: { providers: [{ name: 'x', type: 'openai', api_key: 'sk-very-secret-value', models: 'not-a-list' }] } }, {}),
    (err: Error) => {
      assert.match(err.message, /ai_gateway\.providers\[0\]\.models/);
      assert.doesNotMatch(err.message, /sk-very-secret-value/);
      return true;
    },
  );
});

test('duplicate provider names and missing types are rejected with their paths', () => {
  assert.throws(
    () =>
      validateConfig(
        {
          ai_gateway: {
            providers: [
              { name: 'a', type: 'openai' },
              { name: 'a', type: 'openai' },
            ],
          },
        },
        {},
      ),
    /providers\[1\]\.name: duplicate/,
  );
  assert.throws(() => validateConfig({ ai_gateway: { providers: [{ name: 'a' }] } }, {}), /providers\[0\]\.type/);
});

test('every scalar can be overridden from the environment, array items included', () => {
  const { config } = validateConfig(
    { ai_gateway: { providers: [{ name: 'a', type: 'openai', base_url: 'http://127.0.0.1:1/v1' }] } },
    { SWITCHYARD_PORT: '9999', SWITCHYARD__AI_GATEWAY__PROVIDERS__0__BASE_URL: 'http://127.0.0.1:2/v1', SWITCHYARD__SERVER__SHUTDOWN_TIMEOUT: '5s' },
  );
  assert.equal(config.server.port, 9999);
  assert.equal(config.ai_gateway.providers[0]!.base_url, 'http://127.0.0.1:2/v1');
  assert.equal(config.server.shutdown_timeout, 5000);
});

test("durations and sizes accept Loom's forms", () => {
  const { config } = validateConfig({ server: { shutdown_timeout: '2m', body_limit: '512kb' } }, {});
  assert.equal(config.server.shutdown_timeout, 120_000);
  assert.equal(config.server.body_limit, 512 * 1024);
  assert.throws(() => validateConfig({ server: { body_limit: 'lots' } }, {}), /server\.body_limit/);
});

test('interpolation never injects structure: a variable holding YAML stays a string', () => {
  const { config } = validateConfig({ ai_gateway: { providers: [{ name: 'a', type: 'openai', api_key: '${K}' }] } }, { K: 'x\nmodels: [evil]' });
  assert.equal(config.ai_gateway.providers[0]!.api_key, 'x\nmodels: [evil]');
  assert.equal(config.ai_gateway.providers[0]!.models, undefined);
});

test('unknown keys are errors with their path and the nearest known key; a setting is never silently dropped', () => {
  const sim = { name: 'sim', type: 'simulated' };
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ ai_gateway: { provders: [sim] } }, /^ai_gateway\.provders: unknown key; did you mean "providers"\?/m],
    [{ ai_gateway: { providers: [sim], rate_limit: { default_limits: {} } } }, /^ai_gateway\.rate_limit: unknown key; did you mean "rate_limits"\?/m],
    [{ ai_gateway: { providers: [{ ...sim, modles: ['a'] }] } }, /^ai_gateway\.providers\[0\]\.modles: unknown key; did you mean "models"\?/m],
    [
      { ai_gateway: { providers: [{ name: 'o', type: 'openai', api_kye: 'sk-x' }] } },
      /^ai_gateway\.providers\[0\]\.api_kye: unknown key; did you mean "api_key"\?/m,
    ],
    [
      { ai_gateway: { providers: [sim], routing: { failover: { max_retires: 2 } } } },
      /^ai_gateway\.routing\.failover\.max_retires: unknown key; did you mean "max_retries"\?/m,
    ],
    [
      { ai_gateway: { providers: [sim], routing: { failover: { circuit_breaker: { failure_treshold: 2 } } } } },
      /circuit_breaker\.failure_treshold: unknown key; did you mean "failure_threshold"/,
    ],
    [{ ai_gateway: { providers: [sim], semantic_cache: { enabled: true } } }, /^ai_gateway\.semantic_cache: unknown key \(known here: /m],
    [{ servr: { port: 1 }, ai_gateway: { providers: [sim] } }, /^servr: unknown key; did you mean "server"\?/m],
  ];
  for (const [raw, pattern] of cases) {
    assert.throws(
      () => validateConfig(raw, {}),
      (err: Error) => err instanceof ConfigError && pattern.test(err.message),
      `${JSON.stringify(raw)} should fail with ${pattern}`,
    );
  }
  // An override variable with a misspelt path is caught the same way.
  assert.throws(
    () => validateConfig({ ai_gateway: { providers: [sim] } }, { SWITCHYARD__USAGE__CAPTURE_BODYS: 'true' }),
    /usage\.capture_bodys: unknown key; did you mean "capture_bodies"/,
  );
  // An adapter extra that no adapter of the type reads, and is no typo, is a warning.
  const { warnings } = validateConfig({ ai_gateway: { providers: [{ ...sim, vendor_notes: 'x' }] } }, {});
  assert.ok(
    warnings.some((w) => w.startsWith('ai_gateway.providers[0].vendor_notes')),
    warnings.join('\n'),
  );
});

test('a variable under its pre-fragment name stops start-up and names the new one (it would set nothing)', () => {
  const raw = { ai_gateway: { providers: [{ name: 'sim', type: 'simulated' }] } };
  assert.throws(
    () => validateConfig(raw, { SWITCHYARD_MASTER_KEY: 'sk-admin', SWITCHYARD_LOG_BODIES: 'false' }),
    (err: Error) =>
      err instanceof ConfigError &&
      /^SWITCHYARD_MASTER_KEY: this variable was renamed; set SWITCHYARD_AUTH_MASTER_KEY instead$/m.test(err.message) &&
      /^SWITCHYARD_LOG_BODIES: .* set SWITCHYARD_USAGE_CAPTURE_BODIES instead$/m.test(err.message) &&
      !err.message.includes('sk-admin'),
  );
  assert.equal(validateConfig(raw, { SWITCHYARD_AUTH_MASTER_KEY: 'sk-admin' }).config.auth.master_key, 'sk-admin');
});

test('every boolean setting is read strictly (no convict Boolean left in the schema)', async () => {
  const { gatewayConfigSchema } = await import('./schema.js');
  const loose: string[] = [];
  const walk = (node: Record<string, unknown>, path: string) => {
    if ('default' in node) {
      if (node.format === Boolean) loose.push(path);
      return;
    }
    for (const [k, v] of Object.entries(node)) if (v && typeof v === 'object') walk(v as Record<string, unknown>, `${path}.${k}`);
  };
  walk(gatewayConfigSchema() as Record<string, unknown>, '');
  assert.deepEqual(loose, []);
});

test('booleans are read strictly: "no", "off" and "yes please" are errors naming the field; "0" means false', () => {
  const sim = { providers: [{ name: 'sim', type: 'simulated' }] };
  for (const [raw, path] of [
    [{ usage: { capture_bodies: 'no' } }, 'usage.capture_bodies'],
    [{ auth: { required: 'yes please' } }, 'auth.required'],
    [{ metrics: { enabled: 'off' } }, 'metrics.enabled'],
  ] as const) {
    assert.throws(
      () => validateConfig({ ...raw, ai_gateway: sim }, {}),
      (err: Error) => err instanceof ConfigError && err.message.includes(path),
      JSON.stringify(raw),
    );
  }
  assert.equal(validateConfig({ ai_gateway: sim, metrics: { enabled: '0' } }, {}).config.metrics.enabled, false);
  assert.equal(validateConfig({ ai_gateway: sim }, { SWITCHYARD_METRICS_ENABLED: '0' }).config.metrics.enabled, false);
  for (const spelling of ['no', 'off', 'yes please', '']) {
    assert.throws(() => validateConfig({ ai_gateway: sim }, { SWITCHYARD_USAGE_CAPTURE_BODIES: spelling }), /usage\.capture_bodies/, spelling);
  }
  assert.equal(validateConfig({ ai_gateway: sim }, { SWITCHYARD_USAGE_CAPTURE_BODIES: 'false' }).config.usage.capture_bodies, false);
  assert.equal(validateConfig({ ai_gateway: sim }, { SWITCHYARD_USAGE_CAPTURE_BODIES: '1' }).config.usage.capture_bodies, true);
  assert.equal(validateConfig({ ai_gateway: sim, metrics: { enabled: false } }, {}).config.metrics.enabled, false);
});

test('what start refuses, validation refuses, with the path and a suggestion', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ providers: [{ name: 'o', type: 'openia' }] }, /ai_gateway\.providers\[0\]\.type: unknown type "openia".*did you mean "openai"/],
    [{ providers: [{ name: 'local', type: 'openai-compatible' }] }, /ai_gateway\.providers\[0\]: .*base_url/],
    [{ providers: [{ name: 'sim', type: 'simulated' }], routing: { strategy: 'fastest' } }, /ai_gateway\.routing\.strategy/],
    [
      { providers: [{ name: 'sim', type: 'simulated' }], routing: { providers: [{ name: 'smi', priority: 1 }] } },
      /ai_gateway\.routing\.providers\[0\]\.name: provider "smi".*did you mean "sim"/,
    ],
    [
      { providers: [{ name: 'sim', type: 'simulated' }], routing: { model_routes: { default: 'openai' } } },
      /ai_gateway\.routing\.model_routes\.default: provider "openai"/,
    ],
    [{ providers: [{ name: 'sim', type: 'simulated' }], routing: { fallback: { provider: 'backup' } } }, /ai_gateway\.routing\.fallback\.provider/],
    [
      { providers: [{ name: 'sim', type: 'simulated' }], model_mapping: { smart: { sim: 'a', anthropic: 'b' } } },
      /ai_gateway\.model_mapping\.smart\.anthropic/,
    ],
  ];
  for (const [ai, pattern] of cases) {
    assert.throws(
      () => validateConfig({ ai_gateway: ai }, {}),
      (err: Error) => err instanceof ConfigError && pattern.test(err.message),
      `${JSON.stringify(ai)} should fail with ${pattern}`,
    );
  }
});

test('routing.failover.timeouts: read from the file, overridden from the environment, checked by path', async () => {
  const object = {
    ai_gateway: {
      providers: [{ name: 'slow', type: 'openai', timeouts: { first_token: '90s' } }],
      routing: { failover: { timeouts: { connect: '2s', first_token: '4s', idle: 5000 }, model_timeouts: { 'slow/o3': { response: '10m' } } } },
    },
  };
  const { config, warnings } = validateConfig(structuredClone(object), { SWITCHYARD_FAILOVER_IDLE_TIMEOUT: '7s' });
  const f = config.ai_gateway.routing.failover;
  assert.equal(f.timeouts.connect, '2s');
  assert.equal(f.timeouts.first_token, '4s');
  assert.equal(f.timeouts.idle, '7s', 'the environment wins over the file');
  assert.equal(f.timeouts.total, null);
  assert.deepEqual(f.model_timeouts, { 'slow/o3': { response: '10m' } });
  assert.deepEqual(warnings, []);

  assert.throws(
    () => validateConfig({ ai_gateway: { routing: { failover: { timeouts: { first_token: 'soon' } } } } }, {}),
    /ai_gateway\.routing\.failover\.timeouts\.first_token/,
  );
  assert.throws(
    () => validateConfig({ ai_gateway: { providers: [{ name: 'p', type: 'openai', timeouts: { first_tokn: '1s' } }] } }, {}),
    /ai_gateway\.providers\[0\]\.timeouts\.first_tokn/,
  );
  // A misspelt key is no longer silently ignored.
  assert.throws(
    () => validateConfig({ ai_gateway: { routing: { failover: { timeout: { connect: '1s' } } } } }, {}),
    /ai_gateway\.routing\.failover\.timeout: unknown key; did you mean "timeouts"/,
  );
});

test('routing.failover.model_timeouts: a bad deadline stops loading with its path', () => {
  assert.throws(
    () => validateConfig({ ai_gateway: { routing: { failover: { model_timeouts: { o3: { first_token: 'later' } } } } } }, {}),
    /ai_gateway\.routing\.failover\.model_timeouts\.o3\.first_token/,
  );
});

test("the gateway's schema nests as a fragment in an app's own convict schema", async () => {
  const { default: convict } = await import('convict');
  const { gatewayConfigSchema, gatewaySchema } = await import('./schema.js');
  gatewaySchema({}); // registers the named formats the fragment uses
  const app = convict({ port: { doc: 'App port', format: 'port', default: 3000 }, switchyard: gatewayConfigSchema() }, { env: {}, args: [] });
  assert.doesNotThrow(() => app.getSchema());
  app.load({ switchyard: { metrics: { enabled: false } } });
  app.validate({ allowed: 'strict' });
  assert.equal(app.get('switchyard.metrics.enabled' as never), false);
  assert.equal(app.get('switchyard.server.port' as never), 8787);
});

test('the README settings table is the one the schema generates (run `npm run docs:config` after changing the schema)', async () => {
  const { readFileSync } = await import('node:fs');
  const { settingsTable } = await import('./json-schema.js');
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('<!-- settings:start');
  const end = readme.indexOf('<!-- settings:end -->');
  assert.ok(start >= 0 && end > start, 'the settings markers are in packages/gateway/README.md');
  const documented = readme.slice(readme.indexOf('\n', start) + 1, end).trim();
  assert.equal(documented, settingsTable(), 'packages/gateway/README.md is out of date: run `npm run docs:config`');
});

test('server.workers: a count or "auto", from the file or SWITCHYARD_WORKERS; 0 and words are refused', async () => {
  assert.equal((await loadConfig({ env: {} })).config.server.workers, 1);
  assert.equal((await loadConfig({ env: { SWITCHYARD_WORKERS: '3' } })).config.server.workers, 3);
  assert.equal((await loadConfig({ env: { SWITCHYARD_WORKERS: 'auto' } })).config.server.workers, 'auto');
  assert.equal(validateConfig({ server: { workers: 2 } }, {}).config.server.workers, 2);
  for (const bad of ['0', 'two', '1.5']) {
    await assert.rejects(loadConfig({ env: { SWITCHYARD_WORKERS: bad } }), (err: Error) => err instanceof ConfigError && /server\.workers/.test(err.message));
  }
});
