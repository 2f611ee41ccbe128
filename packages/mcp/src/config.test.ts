import assert from 'node:assert/strict';
import { test } from 'node:test';
import convict from 'convict';
import { registerConfigFormats } from '@switchyard/core';
import { createKeyManager, MemoryKeyStore } from '@switchyard/auth-key';
import { checkMcpConfig, mcpConfigSchema, mcpOptionsFromConfig, type McpConfig } from './config.js';
import { mcpProfiles } from './mcp.js';

const file = {
  mcp: {
    enabled: true,
    separator: '.',
    profiles: {
      dev: {
        description: 'Docs',
        members: [
          {
            name: 'docs',
            transport: 'streamable-http',
            url: 'http://127.0.0.1:9000/mcp',
            headers: { Authorization: 'Bearer t' },
            byok: { credential: 'docs-mcp' },
            timeout: '5s',
          },
          { name: 'files', transport: 'stdio', command: 'node', args: ['files.js'] },
        ],
      },
    },
  },
};

registerConfigFormats(convict);

function load(raw: unknown, env: Record<string, string> = {}): McpConfig {
  const config = convict({ mcp: mcpConfigSchema('APP_MCP') }, { env, args: [] });
  config.load(raw as object);
  config.validate({ allowed: 'strict' });
  return config.get('mcp') as McpConfig;
}

test('the convict fragment reads the file, every scalar has a variable under the caller-chosen prefix, and turns into options', () => {
  const config = load(file, { APP_MCP_ALLOW_STDIO: '1', APP_MCP_CALL_TIMEOUT: '90s', APP_MCP_BREAKER_FAILURE_THRESHOLD: '3', APP_MCP_BREAKER_COOL_DOWN: '2m' });
  checkMcpConfig(config);
  const options = mcpOptionsFromConfig(config);
  assert.deepEqual(options.profiles, [
    {
      name: 'dev',
      description: 'Docs',
      members: [
        {
          name: 'docs',
          transport: 'streamable-http',
          url: 'http://127.0.0.1:9000/mcp',
          headers: { Authorization: 'Bearer t' },
          byok: { credential: 'docs-mcp' },
          timeoutMs: 5000,
        },
        { name: 'files', transport: 'stdio', command: 'node', args: ['files.js'] },
      ],
    },
  ]);
  assert.equal(options.allowStdio, true);
  assert.equal(options.callTimeoutMs, 90_000);
  assert.equal(options.breakerFailures, 3);
  assert.equal(options.breakerCoolDownMs, 120_000);
  assert.equal(options.sessionIdleMs, 1_800_000, 'defaults are durations too');
  assert.equal(options.separator, '.');
  assert.equal(load({}).enabled, false, 'off unless asked for');
  assert.throws(() => load({}, { APP_MCP_ENABLED: 'yes please' }), /must be true or false/);
});

test('bad config fails at start-up with the path of the bad field', () => {
  assert.throws(
    () => checkMcpConfig(load(file)),
    /^Error: mcp\.profiles\.dev\.members\[1\]\.transport: stdio members run local commands; set mcp\.allow_stdio: true/,
  );
  const badUrl = structuredClone(file);
  (badUrl.mcp.profiles.dev.members[0] as { url: string }).url = 'ftp://x';
  assert.throws(() => checkMcpConfig(load(badUrl)), /mcp\.profiles\.dev\.members\[0\]\.url: must be an http\(s\) URL/);
  assert.throws(() => checkMcpConfig(load({ mcp: { profiles: { dev: { members: [] } } } })), /mcp\.profiles\.dev\.members: must be a non-empty list/);
  assert.throws(() => load({ mcp: { path: 'mcp/' } }), /must be a path like \/mcp/);
  const badByok = structuredClone(file);
  (badByok.mcp.profiles.dev.members[0] as { byok: unknown }).byok = { credential: 'no spaces' };
  assert.throws(() => checkMcpConfig(load(badByok)), /mcp\.profiles\.dev\.members\[0\]\.byok\.credential: must be a credential name/);
  assert.throws(() => checkMcpConfig(load({ mcp: { call_timeout: 0 } })), /mcp\.call_timeout: must be longer than 0/);
  const badTimeout = structuredClone(file);
  (badTimeout.mcp.profiles.dev.members[0] as { timeout: unknown }).timeout = 'soon';
  assert.throws(() => checkMcpConfig(load(badTimeout)), /mcp\.profiles\.dev\.members\[0\]\.timeout: must be a duration/);
  // The options are checked eagerly too (for apps that build them by hand).
  const keys = createKeyManager({ store: new MemoryKeyStore() });
  assert.throws(() => mcpProfiles({ ...mcpOptionsFromConfig({ ...load(file), allow_stdio: false }), auth: { keys } }), /stdio members are off/);
  assert.throws(() => mcpProfiles({ profiles: [], auth: {} as never }), /options\.auth must be/);
});
