/**
 * Each piece stands alone: every public entry point of every package loads in an app that has
 * no `@koa/router` installed (an Express team picks pieces without it). The child process
 * resolves the packages as an app would, with a resolve hook that makes `@koa/router` missing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url));

/** `@switchyard/x`, `@switchyard/x/koa`, … for every export of every package. */
function entryPoints(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(packagesDir)) {
    const manifest = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as { name: string; exports?: Record<string, unknown> };
    for (const key of Object.keys(manifest.exports ?? { '.': true })) out.push(manifest.name + key.slice(1));
  }
  return out;
}

/** Registers a resolve hook under which `@koa/router` (and anything below it) cannot be found. */
const WITHOUT_KOA_ROUTER = `data:text/javascript,${encodeURIComponent(`
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
export async function resolve(specifier, context, next) {
  if (specifier === '@koa/router' || specifier.startsWith('@koa/router/')) {
    throw Object.assign(new Error('Cannot find package @koa/router'), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}\`));
`)}`;

/** Import each specifier in a child process without @koa/router; the ones that failed, with why. */
async function importAll(specifiers: string[]): Promise<Record<string, string>> {
  const script = `
const failed = {};
for (const specifier of ${JSON.stringify(specifiers)}) {
  try { await import(specifier); } catch (err) { failed[specifier] = String(err?.message ?? err).split('\\n')[0]; }
}
process.stdout.write(JSON.stringify(failed));
process.exit(0);`;
  // Run from the test package, so the packages resolve through node_modules like an app's would.
  const { stdout } = await run(process.execPath, ['--import', WITHOUT_KOA_ROUTER, '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../', import.meta.url)),
    timeout: 120_000,
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout) as Record<string, string>;
}

test('every public entry point of every package loads without @koa/router', { timeout: 180_000 }, async () => {
  const entries = entryPoints();
  assert.ok(entries.length >= 30, `entry points found (${entries.length})`);
  const failed = await importAll(['@koa/router', ...entries]);
  assert.match(failed['@koa/router'] ?? '', /Cannot find package @koa\/router/, 'the hook hides @koa/router');
  delete failed['@koa/router'];
  assert.deepEqual(failed, {});
});
