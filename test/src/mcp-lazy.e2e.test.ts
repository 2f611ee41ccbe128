/**
 * A gateway without `mcp:` never loads the MCP runtime (its SDK and schemas, ~15 MB of RSS):
 * the config schema reads `@switchyard/mcp/config` only, the runtime is imported when enabled.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const gateway = new URL('../../packages/gateway/dist/index.js', import.meta.url).href;

test('a gateway with MCP off never resolves a module of the MCP SDK', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-mcp-lazy-'));
  const log = join(dir, 'resolved.txt');
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, result.url + '\\n');
  return result;
}
`,
  );
  writeFileSync(
    join(dir, 'main.mjs'),
    `import { register } from 'node:module';
register(${JSON.stringify(new URL('hooks.mjs', `file://${dir}/`).href)});
const { createGateway } = await import(${JSON.stringify(gateway)});
const gw = await createGateway({ config: { storage: { sqlite_path: ':memory:' }, ai_gateway: { providers: [{ name: 'sim', type: 'simulated' }] } } });
await gw.close();
`,
  );
  const run = spawnSync(process.execPath, [join(dir, 'main.mjs')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  const resolved = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  assert.ok(
    resolved.some((url) => url.includes('/gateway/dist/gateway.js')),
    'the hook saw the gateway load',
  );
  assert.ok(
    resolved.some((url) => url.includes('/mcp/dist/config.js')),
    'the config schema reads the MCP config entry',
  );
  assert.deepEqual(
    resolved.filter((url) => url.includes('@modelcontextprotocol') || url.endsWith('/mcp/dist/index.js')),
    [],
  );
});
