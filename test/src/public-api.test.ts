/**
 * The public API stays curated: every entry point lists its names (no `export *`), no name is
 * declared in two packages, no package re-exports another package's names, and each README's
 * API section is the one the built types generate (`npm run docs:api`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

interface ExportedName {
  name: string;
  value: boolean;
  home: string;
}
interface PackageApi {
  dir: string;
  name: string;
  entries: { specifier: string; names: ExportedName[] }[];
}
interface PublicApiScript {
  publicApi(): PackageApi[];
  namesInTwoPackages(packages: PackageApi[]): Record<string, string[]>;
  apiSection(pkg: PackageApi): string;
  documentedSection(readme: string): string | undefined;
}

const packagesDir = new URL('../../packages/', import.meta.url);
const script = (await import(new URL('../../scripts/public-api.mjs', import.meta.url).href)) as PublicApiScript;
const api = script.publicApi();

test('no exported name is declared in two packages', () => {
  assert.ok(api.length >= 13, `packages found (${api.length})`);
  assert.deepEqual(script.namesInTwoPackages(api), {}, 'rename one of them, or stop exporting the internal one');
});

test("no package entry point re-exports another package's names", () => {
  const reexported = api.flatMap((pkg) =>
    pkg.entries.flatMap((entry) => entry.names.filter((n) => n.home !== pkg.dir).map((n) => `${entry.specifier}: ${n.name} (from ${n.home})`)),
  );
  assert.deepEqual(reexported, [], 'import these from the package that declares them');
});

test('every entry point names its exports (no `export *`)', () => {
  const starred: string[] = [];
  for (const pkg of api) {
    const manifest = JSON.parse(readFileSync(new URL(`${pkg.dir}/package.json`, packagesDir), 'utf8')) as { exports: Record<string, { types?: string }> };
    for (const target of Object.values(manifest.exports)) {
      if (!target.types) continue;
      const source = fileURLToPath(new URL(`${pkg.dir}/${target.types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts')}`, packagesDir));
      if (/^export \*/m.test(readFileSync(source, 'utf8'))) starred.push(source);
    }
  }
  assert.deepEqual(starred, []);
});

test("each package README's API section lists what the package exports (run `npm run docs:api` after changing exports)", () => {
  const stale: string[] = [];
  for (const pkg of api) {
    const readme = readFileSync(new URL(`${pkg.dir}/README.md`, packagesDir), 'utf8');
    if (script.documentedSection(readme) !== script.apiSection(pkg)) stale.push(`packages/${pkg.dir}/README.md`);
  }
  assert.deepEqual(stale, []);
});

test('internals stay out of the main entry points', () => {
  const exported = new Map(api.map((pkg) => [pkg.name, new Set(pkg.entries.find((e) => e.specifier === pkg.name)?.names.map((n) => n.name))]));
  const internal: Record<string, string[]> = {
    '@switchyard/providers': ['decide', 'resolveOptions', 'azureBody', 'geminiRequest', 'CLASSIFICATION_RULES'],
    '@switchyard/failover': ['decide', 'resolveOptions', 'sharedFlags', 'finalError'],
    '@switchyard/auth-key': ['SQLITE_MIGRATIONS', 'POSTGRES_MIGRATIONS', 'hashSecret'],
    '@switchyard/usage-accounting': ['SQLITE_MIGRATIONS', 'POSTGRES_MIGRATIONS', 'resolveOptions', 'redact'],
    '@switchyard/model-mapping': ['CATALOG_SQLITE_MIGRATIONS', 'resolveCatalogOptions'],
    '@switchyard/mcp': ['resolveOptions'],
    '@switchyard/core': ['ADMIN_ROUTER_OPTIONS'],
  };
  for (const [specifier, names] of Object.entries(internal)) {
    const leaked = names.filter((n) => exported.get(specifier)?.has(n));
    assert.deepEqual(leaked, [], `${specifier} exports internals`);
  }
});
