#!/usr/bin/env node
// Extract the schemas the tests validate against from the conformance material into
// test/fixtures/schemas (the project never reads ../shared at run time). Run once when the
// conformance material changes: node scripts/extract-schemas.mjs ../shared/conformance
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const src = process.argv[2] ?? '../shared/conformance';
const out = 'test/fixtures/schemas';
const spec = JSON.parse(readFileSync(join(src, 'openai/openapi.json'), 'utf8'));
const all = spec.components.schemas;
const roots = ['CreateChatCompletionResponse', 'CreateChatCompletionStreamResponse', 'ErrorResponse', 'ListModelsResponse', 'CreateEmbeddingResponse'];
const picked = {};
const visit = (node) => {
  if (Array.isArray(node)) return node.forEach(visit);
  if (node && typeof node === 'object') {
    if (typeof node.$ref === 'string') {
      const name = node.$ref.split('/').pop();
      if (!picked[name]) {
        picked[name] = all[name];
        visit(all[name]);
      }
    }
    Object.values(node).forEach(visit);
  }
};
for (const r of roots) {
  picked[r] = all[r];
  visit(all[r]);
}
writeFileSync(join(out, 'openai.json'), JSON.stringify({ source: 'openai/openai-openapi@f85dbe22 components.schemas (trimmed)', schemas: picked }, null, 1));
for (const name of ['Message', 'RawMessageStreamEvent', 'ErrorResponse', 'MessageTokensCount']) {
  copyFileSync(join(src, `anthropic/sdk-1.11.0.${name}.schema.json`), join(out, `anthropic-${name}.json`));
}
console.log(`openai: ${Object.keys(picked).length} schemas; anthropic: 4 files`);
