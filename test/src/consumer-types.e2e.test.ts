/**
 * The gateway's published types compile in an app that installed only `@switchyard/gateway`:
 * with `skipLibCheck: false`, and without `@types/koa`, `@types/express`, `@types/better-sqlite3`,
 * `@types/pg`, `pg` or `ioredis`. The app's node_modules is laid out from the packages'
 * `dependencies` (what npm installs; optional peers are left out) as links to the built packages.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);

/** `@switchyard/x` → its package directory. */
function workspaces(): Map<string, string> {
  const found = new Map<string, string>();
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { name?: string }> };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path.startsWith('packages/') && entry.name?.startsWith('@switchyard/')) found.set(entry.name, join(root, path));
  }
  return found;
}

/** Link `name` and everything it depends on (not its optional peers) into `modules`; the names linked. */
function install(modules: string, names: string[]): Set<string> {
  const local = workspaces();
  const linked = new Set<string>();
  const visit = (name: string) => {
    if (linked.has(name)) return;
    const dir = local.get(name) ?? join(root, 'node_modules', name);
    if (!existsSync(join(dir, 'package.json'))) throw new Error(`${name} is not installed in the repository`);
    linked.add(name);
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(dir, join(modules, name), 'dir');
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    const peers = Object.keys(manifest.peerDependencies ?? {}).filter((peer) => !manifest.peerDependenciesMeta?.[peer]?.optional);
    for (const dependency of [...Object.keys(manifest.dependencies ?? {}), ...peers]) visit(dependency);
  };
  names.forEach(visit);
  return linked;
}

const APP = `
import { createServer } from 'node:http';
import { createSwitchyard, loadConfig, type GatewayConfig, type Switchyard } from '@switchyard/gateway';

const { config }: { config: GatewayConfig } = await loadConfig({ file: 'switchyard.yaml' });
const switchyard: Switchyard = await createSwitchyard({ config });
const handle = switchyard.express();
createServer((req, res) => handle(req, res, () => res.end())).listen(0);
await switchyard.close();
`;

test("the gateway's types compile with skipLibCheck false in an app without driver, koa or express types", { timeout: 180_000 }, async () => {
  const app = mkdtempSync(join(tmpdir(), 'switchyard-consumer-'));
  try {
    const linked = install(join(app, 'node_modules'), ['@switchyard/gateway', '@types/node']);
    for (const absent of ['@types/koa', '@types/express', '@types/better-sqlite3', '@types/pg', 'pg', 'ioredis']) {
      assert.ok(!linked.has(absent), `${absent} would be installed with the gateway`);
    }
    writeFileSync(join(app, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(join(app, 'app.ts'), APP);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          // Resolve from the app's node_modules (the links), not from where the packages really are.
          preserveSymlinks: true,
          types: ['node'],
        },
        files: ['app.ts'],
      }),
    );
    const tsc = require.resolve('typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', app], { cwd: app, timeout: 170_000, maxBuffer: 4 << 20 }).catch(
      (err: { stdout?: string; code?: number }) => err,
    );
    assert.equal((result as { code?: number }).code ?? 0, 0, `tsc failed:\n${(result as { stdout?: string }).stdout ?? ''}`);
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
});
