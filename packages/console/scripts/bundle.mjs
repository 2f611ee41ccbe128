#!/usr/bin/env node
// Bundles the console UI (ui/) into dist/ui: index.html plus content-hashed assets. Run by the
// package's build and by the repository's `npm run build` / `npm test`.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'ui');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await build({
  entryPoints: [join(root, 'ui', 'main.js')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  entryNames: '[name]-[hash]',
  outdir: join(out, 'assets'),
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((f) => f.endsWith('.js'));
const css = outputs.find((f) => f.endsWith('.css'));
const html = readFileSync(join(root, 'ui', 'index.html'), 'utf8')
  .replace('%APP_JS%', `./assets/${js}`)
  .replace('%APP_CSS%', `./assets/${css}`);
writeFileSync(join(out, 'index.html'), html);
const gz = gzipSync(readFileSync(join(out, 'assets', js))).length;
process.stdout.write(`console: bundled ${js} (${(gz / 1024).toFixed(1)} KB gzipped) and ${css}\n`);
