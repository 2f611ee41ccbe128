/**
 * Validators for everything a client receives, against the official OpenAI OpenAPI schemas and
 * the Anthropic SDK's schemas (trimmed copies in test/fixtures/schemas).
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';

const dir = new URL('../../fixtures/schemas/', import.meta.url);
const load = (name: string) => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));

type Json = Record<string, unknown>;

/** OpenAPI 3.0 leftovers: `nullable: true` becomes `anyOf: [schema, {type: 'null'}]`; refs point into $defs. */
export function openapiToJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(openapiToJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === 'nullable') continue;
    if (k === '$ref' && typeof v === 'string') out.$ref = v.replace('#/components/schemas/', '#/$defs/');
    else out[k] = openapiToJsonSchema(v);
  }
  if ((node as Json).nullable === true) return { anyOf: [out, { type: 'null' }] };
  return out;
}

const allowsNull = (s: unknown): boolean => {
  if (!s || typeof s !== 'object') return false;
  const schema = s as Json;
  if (schema.type === 'null' || (Array.isArray(schema.type) && schema.type.includes('null'))) return true;
  return Array.isArray(schema.anyOf) && schema.anyOf.some(allowsNull);
};

/**
 * The Anthropic SDK types mark fields required that the real API omits (conformance README):
 * nullable ones, and `container`, `diagnostics`, `stop_details`, tool_use `caller`. Let them be missing.
 */
const OMITTED_BY_API = new Set(['container', 'diagnostics', 'stop_details', 'caller']);
function relaxNullableRequired(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(relaxNullableRequired);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) out[k] = relaxNullableRequired(v);
  if (Array.isArray(out.required) && out.properties && typeof out.properties === 'object') {
    const props = out.properties as Json;
    out.required = (out.required as string[]).filter((name) => !allowsNull(props[name]) && !OMITTED_BY_API.has(name));
  }
  return out;
}

const openaiAjv = new Ajv2020({ strict: false, allErrors: true });
openaiAjv.addSchema({ $id: 'openai', $defs: openapiToJsonSchema(load('openai.json').schemas) as Json });
const openai = (name: string): ValidateFunction => openaiAjv.getSchema(`openai#/$defs/${name}`)!;

const anthropicAjv = new Ajv({ strict: false, allErrors: true });
const anthropic = (name: string): ValidateFunction => anthropicAjv.compile(relaxNullableRequired(load(`anthropic-${name}.json`)) as Json);

export const schemas = {
  openaiChatCompletion: openai('CreateChatCompletionResponse'),
  openaiChatChunk: openai('CreateChatCompletionStreamResponse'),
  openaiError: openai('ErrorResponse'),
  openaiModels: openai('ListModelsResponse'),
  openaiEmbeddings: openai('CreateEmbeddingResponse'),
  anthropicMessage: anthropic('Message'),
  anthropicStreamEvent: anthropic('RawMessageStreamEvent'),
  anthropicError: anthropic('ErrorResponse'),
  anthropicTokenCount: anthropic('MessageTokensCount'),
};

/** Assert `value` passes `validate`, with a readable failure. */
export function assertSchema(validate: ValidateFunction, value: unknown, what = 'value'): void {
  if (!validate(value)) {
    const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    throw new Error(`${what} does not match its schema:\n${errors.join('\n')}\n${JSON.stringify(value).slice(0, 800)}`);
  }
}
