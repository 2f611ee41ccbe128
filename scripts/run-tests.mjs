#!/usr/bin/env node
// Runs every compiled test file (packages/*/dist, examples/*/dist, test/dist, bench/dist) with node:test,
// against one real redis-server and one real PostgreSQL cluster on loopback that this script
// starts and stops. Usage: node scripts/run-tests.mjs [path-filter ...]
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startPostgres, startRedis } from '../packages/stores/dist/testing.js';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    // A compiled test whose source is gone (renamed or deleted) is stale output, not a test.
    else if (name.endsWith('.test.js') && existsSync(path.replace(/\/dist\//, '/src/').replace(/\.js$/, '.ts'))) out.push(path);
  }
}

const files = [];
for (const group of ['packages', 'examples']) {
  for (const pkg of readdirSync(join(root, group), { withFileTypes: true })) {
    if (pkg.isDirectory()) collect(join(root, group, pkg.name, 'dist'), files);
  }
}
collect(join(root, 'test', 'dist'), files);
collect(join(root, 'bench', 'dist'), files);
const selected = filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files;
if (selected.length === 0) {
  console.error('no test files found: run `npx tsc -b` first');
  process.exit(1);
}

const [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
const env = { ...process.env, SWITCHYARD_TEST_REDIS_URL: redis.url, SWITCHYARD_TEST_PG_URL: pg.url };
const child = spawn(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=120000', ...selected], { stdio: 'inherit', env });
const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await Promise.all([redis.stop(), pg.stop()]);
process.exit(code);
