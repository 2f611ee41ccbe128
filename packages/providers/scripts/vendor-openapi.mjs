#!/usr/bin/env node
// Trims a provider's published OpenAPI document to what the conformance suite uses: the named
// operations, every component they reach (transitively: schemas, parameters, …), the security
// schemes, and the document's own examples. String `description`s are removed (they are most of
// the size). Usage:
//   node scripts/vendor-openapi.mjs IN.(yaml|json) OUT.json SOURCE_JSON 'post /v1/chat/completions' ...
//   SOURCE_JSON: {"repository":"owner/name","path":"…","commit":"…"} (recorded in the output).
import { readFileSync, writeFileSync } from 'node:fs';
import YAML from 'yaml';

const [input, output, sourceJson, ...operations] = process.argv.slice(2);
if (!input || !output || !sourceJson || operations.length === 0) {
  console.error('usage: vendor-openapi.mjs IN OUT SOURCE_JSON "METHOD /path" ...');
  process.exit(2);
}
const text = readFileSync(input, 'utf8');
const doc = input.endsWith('.json') ? JSON.parse(text) : YAML.parse(text, { maxAliasCount: -1 });

const stripDescriptions = (node) => {
  if (Array.isArray(node)) return node.map(stripDescriptions);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'description' && typeof v === 'string') continue;
    out[k] = stripDescriptions(v);
  }
  return out;
};

const paths = {};
for (const op of operations) {
  const [method, path] = op.split(' ');
  const item = doc.paths?.[path]?.[method];
  if (!item) throw new Error(`${op} is not in ${input}`);
  paths[path] ??= {};
  paths[path][method] = item;
}

const REF = /^#\/components\/([^/]+)\/(.+)$/;
const kept = new Map(); // "kind/name" -> definition
const visit = (node) => {
  if (Array.isArray(node)) return node.forEach(visit);
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node)) {
    // `$ref`s, and the targets of a discriminator's `mapping` (also references).
    const m = k === '$ref' && typeof v === 'string' ? REF.exec(v) : null;
    if (!m) {
      if (k === 'mapping' && v && typeof v === 'object') Object.values(v).forEach((target) => typeof target === 'string' && visit({ $ref: target }));
      else visit(v);
      continue;
    }
    const key = `${m[1]}/${m[2]}`;
    if (kept.has(key)) continue;
    const def = doc.components?.[m[1]]?.[m[2]];
    if (!def) throw new Error(`dangling $ref ${v}`);
    kept.set(key, def);
    visit(def);
  }
};
visit(paths);

const components = { securitySchemes: doc.components?.securitySchemes };
for (const key of [...kept.keys()].sort()) {
  const [kind, ...name] = key.split('/');
  (components[kind] ??= {})[name.join('/')] = stripDescriptions(kept.get(key));
}

const out = {
  'x-vendored': {
    ...JSON.parse(sourceJson),
    trimmed: `operations ${operations.join(', ')}; the ${kept.size} components they reach; security schemes; string descriptions removed`,
  },
  openapi: doc.openapi,
  info: { title: doc.info?.title, version: doc.info?.version },
  servers: doc.servers,
  security: doc.security,
  paths: stripDescriptions(paths),
  components,
};
writeFileSync(output, JSON.stringify(out, null, 1) + '\n');
console.log(`${output}: ${Object.keys(paths).length} paths, ${kept.size} components, ${JSON.stringify(out).length} bytes`);
