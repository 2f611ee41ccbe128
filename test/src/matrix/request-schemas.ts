/**
 * Validators for what OpenAI-format and Anthropic upstreams receive: the official OpenAI
 * CreateChatCompletionRequest and the Anthropic SDK's MessageCreateParams (fixtures/matrix).
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { openapiToJsonSchema } from '../support/schemas.js';

type Json = Record<string, unknown>;
const load = (name: string): Json => JSON.parse(readFileSync(new URL(`../../fixtures/matrix/${name}`, import.meta.url), 'utf8')) as Json;

const openaiAjv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
openaiAjv.addSchema({ $id: 'openai-request', $defs: openapiToJsonSchema(load('openai-chat-request.json').schemas) as Json });
const anthropicParams = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(load('anthropic-MessageCreateParams.json'));

/** MessageCreateParams is the non-streaming variant (`stream: false` const); `stream` is checked on its own. */
const anthropic = ((body: Json) => anthropicParams({ ...body, stream: false })) as ValidateFunction;
Object.defineProperty(anthropic, 'errors', { get: () => anthropicParams.errors });

export const requestSchemas = {
  openai: openaiAjv.getSchema('openai-request#/$defs/CreateChatCompletionRequest')!,
  anthropic,
};
