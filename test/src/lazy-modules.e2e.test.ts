/**
 * What a gateway loads: a module imported is kept (its source, its compiled code, its data) for
 * the life of the process, so the gateway imports what is optional when it is used:
 * - without `mcp:`, nothing of the MCP runtime (its SDK and schemas, ~15 MB of RSS): the config
 *   schema reads `@switchyard/mcp/config` only;
 * - serving requests, only undici's Agent and request (not its index: fetch, WebSocket, caches,
 *   mocks, 3 MB of heap), not `ws` (the first status WebSocket loads it), not `yaml` (a YAML
 *   config file does), and the price table's CommonJS build (1.4 MB of heap less than its ES one).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const gateway = new URL('../../packages/gateway/dist/index.js', import.meta.url).href;

/**
 * Run `body` (an ES module's text, after `createGateway` is imported) in a fresh process; the
 * URLs its ES imports resolved to and the CommonJS files it required, in load order.
 */
function loadedBy(body: string): { resolved: string[]; required: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'sy-lazy-'));
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
    `import { register, createRequire } from 'node:module';
register(${JSON.stringify(new URL('hooks.mjs', `file://${dir}/`).href)});
const { createGateway } = await import(${JSON.stringify(gateway)});
${body}
console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));
`,
  );
  const run = spawnSync(process.execPath, [join(dir, 'main.mjs')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  return { resolved: readFileSync(log, 'utf8').split('\n').filter(Boolean), required: JSON.parse(run.stdout.trim().split('\n').at(-1)!) as string[] };
}

test('a gateway with MCP off never resolves a module of the MCP SDK', () => {
  const { resolved } = loadedBy(`
const gw = await createGateway({ config: { storage: { sqlite_path: ':memory:' }, ai_gateway: { providers: [{ name: 'sim', type: 'simulated' }] } } });
await gw.close();
`);
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

test('a gateway serving requests loads undici Agent and request only, no ws, no yaml, the CommonJS price table', () => {
  const { resolved, required } = loadedBy(`
const gw = await createGateway({ config: { storage: { sqlite_path: ':memory:' }, ai_gateway: { providers: [{ name: 'sim', type: 'simulated' }, { name: 'up', type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'x' }] } } });
const server = await gw.listen({ host: '127.0.0.1', port: 0 });
const res = await fetch('http://127.0.0.1:' + server.address().port + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sim/echo', messages: [{ role: 'user', content: 'hi' }] }) });
if (res.status !== 200) throw new Error('status ' + res.status + ': ' + (await res.text()));
await res.text();
await gw.close();
`);
  const all = [...resolved, ...required];
  assert.ok(
    required.some((file) => file.endsWith('/undici/lib/dispatcher/agent.js')),
    'the transport loaded undici Agent',
  );
  assert.deepEqual(
    all.filter((file) => /\/node_modules\/(undici\/index\.js|ws\/|yaml\/)|genai-prices\/dist\/index\.js/.test(file)),
    [],
  );
  assert.ok(
    required.some((file) => file.endsWith('/genai-prices/dist/index.cjs')),
    'the price table is the CommonJS build',
  );
});
