/**
 * Test support (not shipped): validators for translated bodies and events, against trimmed
 * copies of the official OpenAI OpenAPI schemas and the Anthropic SDK's JSON Schemas
 * (fixtures/schemas). Same rewrites as test/src/support/schemas.ts, kept apart on purpose: a
 * package's tests must not reach into the repository's test/ workspace.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import assert from 'node:assert/strict';

type Json = Record<string, unknown>;
const load = (name: string): Json => JSON.parse(readFileSync(new URL(`../../fixtures/schemas/${name}`, import.meta.url), 'utf8')) as Json;

/** Rebuild a JSON tree bottom-up: `rewrite` gets each object with its children already rebuilt, and the original. */
function rewriteObjects(node: unknown, rewrite: (rebuilt: Json, original: Json) => unknown): unknown {
  if (Array.isArray(node)) return node.map((item) => rewriteObjects(item, rewrite));
  if (!node || typeof node !== 'object') return node;
  const rebuilt: Json = {};
  for (const [k, v] of Object.entries(node as Json)) rebuilt[k] = rewriteObjects(v, rewrite);
  return rewrite(rebuilt, node as Json);
}

/** OpenAPI 3.0 leftovers: `nullable: true` becomes `anyOf: [schema, {type: 'null'}]`; refs point into $defs. */
export const openapiToJsonSchema = (root: unknown): unknown =>
  rewriteObjects(root, (out, original) => {
    delete out.nullable;
    if (typeof out.$ref === 'string') out.$ref = out.$ref.replace('#/components/schemas/', '#/$defs/');
    return original.nullable === true ? { anyOf: [out, { type: 'null' }] } : out;
  });

const allowsNull = (s: unknown): boolean => {
  if (!s || typeof s !== 'object') return false;
  const schema = s as Json;
  if (schema.type === 'null' || (Array.isArray(schema.type) && schema.type.includes('null'))) return true;
  return Array.isArray(schema.anyOf) && schema.anyOf.some(allowsNull);
};

/** The SDK types require fields the real API omits (nullable ones, container, diagnostics, stop_details, caller). */
const OMITTED_BY_API = new Set(['container', 'diagnostics', 'stop_details', 'caller']);
const relaxNullableRequired = (root: unknown): unknown =>
  rewriteObjects(root, (out) => {
    if (Array.isArray(out.required) && out.properties && typeof out.properties === 'object') {
      const props = out.properties as Json;
      out.required = (out.required as string[]).filter((name) => !allowsNull(props[name]) && !OMITTED_BY_API.has(name));
    }
    return out;
  });

const openaiAjv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
openaiAjv.addSchema({ $id: 'openai', $defs: openapiToJsonSchema(load('openai-chat.json').schemas) as Json });
const openai = (name: string): ValidateFunction => openaiAjv.getSchema(`openai#/$defs/${name}`)!;
const anthropicAjv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const anthropic = (name: string): ValidateFunction => anthropicAjv.compile(relaxNullableRequired(load(`anthropic-${name}.json`)) as Json);

export const schemas = {
  openaiRequest: openai('CreateChatCompletionRequest'),
  openaiCompletion: openai('CreateChatCompletionResponse'),
  openaiChunk: openai('CreateChatCompletionStreamResponse'),
  openaiError: openai('ErrorResponse'),
  anthropicRequest: anthropic('MessageCreateParams'),
  anthropicMessage: anthropic('Message'),
  anthropicEvent: anthropic('RawMessageStreamEvent'),
  anthropicTokenCount: anthropic('MessageTokensCount'),
  anthropicError: anthropic('ErrorResponse'),
};

/** Assert `value` passes `validate`, with a readable failure. */
export function assertSchema(validate: ValidateFunction, value: unknown, what = 'value'): void {
  if (!validate(value)) {
    const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    assert.fail(`${what} does not match its schema:\n${errors.join('\n')}\n${JSON.stringify(value).slice(0, 800)}`);
  }
}
