/**
 * Test support (not shipped): each provider of the conformance suite, with the published
 * specification its adapter targets (fixtures/specs, see SOURCES.md there), the adapter config for
 * a local upstream, and the answers that upstream gives, built from the provider's published
 * examples (recorded exchanges where one exists, else the documented shapes of fixtures/*),
 * which are themselves checked against the provider's response schema.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { ProviderConfig } from '../adapter.js';
import { isPromptFilterAnnouncement } from '../adapters/azure.js';
import { fixtureJson, fixtureText } from '../testing/upstream.test.util.js';
import { schemas } from '../translate/schemas.test.util.js';
import { loadSpec, openApiSpec, schemaProblems, type WireRequest } from './openapi-operation.test.util.js';
import { loadProtoApi, templateRegExp, type ProtoApi } from './proto-schema.test.util.js';
import type { AnswerKind } from './scenarios.test.util.js';

type Json = Record<string, any>;

/** What an upstream answers: a JSON body or an event stream. */
export type Answer = { json: unknown } | { sse: string };

export interface ConformanceProvider {
  type: string;
  /** The published spec (and version) the adapter targets. */
  spec: string;
  model: string;
  /** A per-call key (BYOK), for adapters that take one instead of config. */
  apiKey?: string;
  config(upstreamUrl: string): ProviderConfig;
  /** Problems with an upstream-bound request: path, query, auth header and body against the spec. */
  checkRequest(req: WireRequest): string[];
  answer(kind: AnswerKind): Answer;
  /** Problems with an answer (JSON body, or one event's parsed data) against the provider's own response schema. */
  checkAnswer?(kind: 'json' | 'event', value: unknown): string[];
  /** Embeddings (`openai.embeddings` clients), where the adapter serves them: the upstream model, its example answer and that answer's check. */
  embeddings?: { model: string; answer: unknown; checkAnswer(value: unknown): string[] };
}

const KEY = 'sk-conformance-SECRET-0001';

const sse = (events: unknown[]): string => events.map((e) => `data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`).join('');

// --- OpenAI family -------------------------------------------------------------------------
const openaiSpec = openApiSpec(loadSpec('openai-openapi.json'));
const OPENAI_ANSWERS: Record<AnswerKind, Answer> = {
  json: { json: fixtureJson('openai/chat-structured-output-json-schema.json').response },
  'stream-text': { sse: fixtureJson('openai/chat-structured-output-stream.json').response_sse },
  'stream-tool': { sse: fixtureText('translate/openai-parallel-tools.sse') },
};

const azureDoc = loadSpec('azure-openai-inference-2024-10-21.json');
// Defect in the published 2024-10-21 file: `json_schema` requires a `type` inside it (a copy of the outer
// one). Neither OpenAI's schema, Azure's structured-output guide nor its later api-versions ask for it;
// the requirement is lifted here, in memory (SOURCES.md).
azureDoc.components.schemas.ResponseFormatJsonSchema.properties.json_schema.required = ['name'];
const azureSpec = openApiSpec(azureDoc, { closedBodies: true });
/** The spec's own example (`x-oaiMeta`), whose 1536-float vector it elides, with that vector shortened. */
const OPENAI_EMBEDDING = {
  object: 'list',
  data: [0, 1].map((index) => ({ object: 'embedding', embedding: [0.0023064255, -0.009327292, -0.0028842222], index })),
  model: 'text-embedding-ada-002',
  usage: { prompt_tokens: 8, total_tokens: 8 },
};
/** Problems with an embeddings answer a client receives (OpenAI's CreateEmbeddingResponse). */
export const openaiEmbeddingProblems = (value: unknown): string[] => openaiSpec.checkComponent('CreateEmbeddingResponse', value);
const OPENAI_EMBEDDINGS = { model: 'text-embedding-3-small', answer: OPENAI_EMBEDDING, checkAnswer: openaiEmbeddingProblems };

const checkOpenAIAnswer = (kind: 'json' | 'event', value: unknown): string[] =>
  openaiSpec.checkComponent(kind === 'json' ? 'CreateChatCompletionResponse' : 'CreateChatCompletionStreamResponse', value);

/** Azure's first stream event only announces prompt filtering (documented in Azure's streaming guide). */
const AZURE_FILTER_ANNOUNCEMENT = { choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: [{ prompt_index: 0, content_filter_results: { hate: { filtered: false, severity: 'safe' } } }] };

// --- Mistral: its documented shapes (no `refusal`/`logprobs`, usage in the last chunk, 9-character tool-call ids) ---
const mistralSpec = openApiSpec(loadSpec('mistral-openapi.json'));
const mistralChunk = (delta: Json, finish: string | null, extra: Json = {}) =>
  ({ id: 'cmpl-e5cc70bb28c444948073e77776eb30ef', object: 'chat.completion.chunk', created: 1702256327, model: 'mistral-large-latest', choices: [{ index: 0, delta, finish_reason: finish }], ...extra });
const MISTRAL_USAGE = { prompt_tokens: 16, completion_tokens: 34, total_tokens: 50 };
const MISTRAL_ANSWERS: Record<AnswerKind, Answer> = {
  json: { json: { id: 'cmpl-e5cc70bb28c444948073e77776eb30ef', object: 'chat.completion', created: 1702256327, model: 'mistral-large-latest', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there!', tool_calls: null }, finish_reason: 'stop' }], usage: MISTRAL_USAGE } },
  'stream-text': { sse: sse([mistralChunk({ role: 'assistant', content: '' }, null), mistralChunk({ content: 'Hello' }, null), mistralChunk({ content: ' there!' }, 'stop', { usage: MISTRAL_USAGE }), '[DONE]']) },
  'stream-tool': { sse: sse([
    mistralChunk({ role: 'assistant', content: '' }, null),
    mistralChunk({ tool_calls: [{ id: 'D681PevKs', function: { name: 'get_weather', arguments: '{"city": "Paris", "unit": "celsius"}' }, index: 0 }] }, 'tool_calls', { usage: MISTRAL_USAGE }),
    '[DONE]',
  ]) },
};

// --- Cohere v2 ------------------------------------------------------------------------------
const cohereSpec = openApiSpec(loadSpec('cohere-openapi.json'));

/** The published examples of a Cohere operation (`x-fern-examples`), by code-sample name and answer kind. */
function cohereExample(path: string, name: string, stream = false): Json {
  const examples = loadSpec('cohere-openapi.json').paths[path].post['x-fern-examples'] as Json[];
  const found = examples.find((e) => e['code-samples']?.[0]?.name === name && !!e.response?.stream === stream);
  if (!found) throw new Error(`no Cohere example ${name} for ${path}`);
  return found.response;
}
const cohereStream = (events: { event: string; data: unknown }[]): string => events.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join('');
const COHERE_ANSWERS: Record<AnswerKind, Answer> = {
  json: { json: cohereExample('/v2/chat', 'Default').body },
  'stream-text': { sse: cohereStream(cohereExample('/v2/chat', 'Default', true).stream) },
  'stream-tool': { sse: cohereStream(cohereExample('/v2/chat', 'Tools', true).stream) },
};

// --- Google: the protos' JSON mapping ------------------------------------------------------------
const G = 'google/ai/generativelanguage/v1beta/';
const V = 'google/cloud/aiplatform/v1/';
const TYPE = ['google/type/date.proto', 'google/type/interval.proto', 'google/type/latlng.proto'];
const gemini = loadProtoApi([...['citation', 'content', 'generative_service', 'retriever', 'safety'].map((f) => `${G}${f}.proto`), ...TYPE.slice(1)]);
const vertex = loadProtoApi([...['api_auth', 'content', 'encryption_spec', 'explanation', 'explanation_metadata', 'io', 'openapi', 'prediction_service', 'tool', 'types', 'usage_metadata', 'vertex_rag_data'].map((f) => `${V}${f}.proto`), ...TYPE]);
/** The loaded Google APIs (their `unresolved` types show whether the vendored files are complete). */
export const GOOGLE_APIS = { gemini, vertex };
const googleAjv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

/**
 * Google's system parameters a REST call may add in the query: `alt` (`sse` streams), `key`,
 * `prettyPrint`, … (https://cloud.google.com/apis/docs/system-parameters).
 */
const GOOGLE_SYSTEM_QUERY = new Set(['alt', 'key', 'prettyPrint', 'fields', '$alt', 'quotaUser', 'userProject']);

/** The RPCs the Google adapters call, by the action in their URL (`…/models/m:generateContent`). */
const GOOGLE_RPCS: Record<string, { method: string; request: string; response: string }> = {
  generateContent: { method: 'GenerateContent', request: 'GenerateContentRequest', response: 'GenerateContentResponse' },
  streamGenerateContent: { method: 'StreamGenerateContent', request: 'GenerateContentRequest', response: 'GenerateContentResponse' },
  batchEmbedContents: { method: 'BatchEmbedContents', request: 'BatchEmbedContentsRequest', response: 'BatchEmbedContentsResponse' },
};

function googleChecker(api: ProtoApi, pkg: string, service: string, auth: (req: WireRequest) => boolean, authName: string) {
  const rpcs = new Map<string, { paths: RegExp[]; request: ValidateFunction; response: ValidateFunction }>();
  const rpc = (action: string) => {
    const known = GOOGLE_RPCS[action];
    if (!known) return undefined;
    if (!rpcs.has(action)) {
      let paths: RegExp[] = [];
      try {
        paths = api.httpPaths(`${pkg}.${service}.${known.method}`).map(templateRegExp);
      } catch {
        return undefined; // this API has no such RPC (Vertex has no batchEmbedContents on PredictionService)
      }
      rpcs.set(action, { paths, request: googleAjv.compile(api.schema(`${pkg}.${known.request}`)), response: googleAjv.compile(api.schema(`${pkg}.${known.response}`)) });
    }
    return rpcs.get(action);
  };
  return {
    checkRequest(req: WireRequest): string[] {
      const url = new URL(req.url, 'http://upstream');
      const action = /:(\w+)$/.exec(url.pathname)?.[1] ?? '';
      const target = rpc(action);
      if (!target) return [`${url.pathname}: ${action || 'no action'} is not an RPC of ${service}`];
      const problems: string[] = [];
      if (!target.paths.some((r) => r.test(url.pathname))) problems.push(`${url.pathname} matches no google.api.http binding of ${action}`);
      for (const key of url.searchParams.keys()) if (!GOOGLE_SYSTEM_QUERY.has(key)) problems.push(`query parameter ${key} is not a system parameter`);
      if (action === 'streamGenerateContent' && url.searchParams.get('alt') !== 'sse') problems.push('a stream needs alt=sse (else the answer is one JSON array)');
      if (!auth(req)) problems.push(`no ${authName}`);
      // `model` is bound in the path (HTTP rule body "*" takes the other fields), as the server transcodes it.
      const model = /\/((?:projects|models|publishers|tunedModels|endpoints)\/.+):\w+$/.exec(url.pathname)?.[1];
      return [...problems, ...schemaProblems(target.request, { model, ...(JSON.parse(req.body) as Json) }, 'body')];
    },
    checkAnswer: (_kind: 'json' | 'event', value: unknown, action = 'generateContent') => schemaProblems(rpc(action)!.response, value, 'answer'),
  };
}

const geminiChecker = googleChecker(gemini, 'google.ai.generativelanguage.v1beta', 'GenerativeService', (req) => !!req.headers['x-goog-api-key'], 'x-goog-api-key header');

const GEMINI_ANSWERS: Record<AnswerKind, Answer> = {
  json: { json: fixtureJson('gemini/text-response.json') },
  'stream-text': { sse: fixtureText('gemini/stream-text.sse') },
  'stream-tool': { sse: fixtureText('gemini/stream-function-call.sse') },
};

// --- Anthropic: no OpenAPI; JSON Schemas derived from @anthropic-ai/sdk 1.11.0's types --------------------------
const anthropicAjv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const anthropicParams = {
  stream: anthropicAjv.compile(loadSpec('anthropic-sdk-1.11.0-MessageCreateParamsStreaming.schema.json')),
  json: anthropicAjv.compile(loadSpec('anthropic-sdk-1.11.0-MessageCreateParamsNonStreaming.schema.json')),
};

/**
 * Anthropic streams carry `ping` events (documented: https://docs.anthropic.com/en/docs/build-with-claude/streaming#ping-events),
 * which the SDK's RawMessageStreamEvent union (and so the derived schema) leaves out.
 */
export const isPing = (value: unknown): boolean => (value as Json | null)?.type === 'ping';

export const PROVIDERS: ConformanceProvider[] = [
  {
    type: 'openai', spec: 'OpenAI OpenAPI 2.3.0 (openai/openai-openapi@f85dbe22)', model: 'gpt-4o-mini',
    config: (url) => ({ name: 'openai', type: 'openai', base_url: `${url}/v1`, api_key: KEY }),
    checkRequest: (req) => openaiSpec.checkRequest(req),
    answer: (kind) => OPENAI_ANSWERS[kind],
    checkAnswer: checkOpenAIAnswer,
    embeddings: OPENAI_EMBEDDINGS,
  },
  {
    // OpenAI-compatible servers (vLLM here, the other presets likewise) are held to OpenAI's spec.
    type: 'vllm', spec: 'OpenAI OpenAPI 2.3.0, as an OpenAI-compatible server', model: 'qwen2.5-vl-7b-instruct',
    config: (url) => ({ name: 'vllm', type: 'vllm', base_url: `${url}/v1`, api_key: KEY }),
    checkRequest: (req) => openaiSpec.checkRequest(req),
    answer: (kind) => OPENAI_ANSWERS[kind],
    checkAnswer: checkOpenAIAnswer,
    embeddings: OPENAI_EMBEDDINGS,
  },
  {
    type: 'azure', spec: 'Azure OpenAI inference 2024-10-21 (stable)', model: 'gpt-4o',
    config: (url) => ({ name: 'azure', type: 'azure', base_url: url, api_key: KEY, deployments: { 'gpt-4o': 'gpt4o-prod', 'text-embedding-3-small': 'emb-small' }, api_version: '2024-10-21' }),
    checkRequest: (req) => azureSpec.checkRequest(req),
    answer: (kind) => {
      const answer = OPENAI_ANSWERS[kind];
      return 'sse' in answer ? { sse: sse([AZURE_FILTER_ANNOUNCEMENT]) + answer.sse } : answer;
    },
    // Azure's answers are OpenAI's plus content-filter fields (its response schemas are not vendored). The
    // announcement chunk (`object: ""`) fails OpenAI's and Azure's own chunk schema alike: the adapter drops it.
    checkAnswer: (kind, value) => (isPromptFilterAnnouncement(value) ? [] : checkOpenAIAnswer(kind, value)),
    embeddings: OPENAI_EMBEDDINGS,
  },
  {
    type: 'mistral', spec: 'Mistral AI API 1.0.0 (mistralai/platform-docs-public@50c1afe7)', model: 'mistral-large-latest',
    config: (url) => ({ name: 'mistral', type: 'mistral', base_url: `${url}/v1`, api_key: KEY }),
    checkRequest: (req) => mistralSpec.checkRequest(req),
    answer: (kind) => MISTRAL_ANSWERS[kind],
    // Defect in the published spec: ChatCompletionResponse requires a `data` property that no chat answer has
    // (the API and Mistral's own SDK models have none).
    checkAnswer: (kind, value) => mistralSpec.checkComponent(kind === 'json' ? 'ChatCompletionResponse' : 'CompletionChunk', value, { requiredAtRoot: ['data'] }),
    embeddings: {
      model: 'mistral-embed',
      answer: loadSpec('mistral-openapi.json').paths['/v1/embeddings'].post.responses['200'].content['application/json'].examples.userExample.value,
      // Defect in the published spec: its own example has no `id`, which EmbeddingResponse requires.
      checkAnswer: (value) => mistralSpec.checkComponent('EmbeddingResponse', value, { requiredAtRoot: ['id'] }),
    },
  },
  {
    type: 'cohere', spec: 'Cohere API v2 chat (cohere-ai/cohere-developer-experience@ca56a6ff)', model: 'command-a-vision-07-2025',
    config: (url) => ({ name: 'cohere', type: 'cohere', base_url: url, api_key: KEY }),
    checkRequest: (req) => cohereSpec.checkRequest(req),
    answer: (kind) => COHERE_ANSWERS[kind],
    checkAnswer: (kind, value) => cohereSpec.checkComponent(kind === 'json' ? 'ChatResponseV2' : 'StreamedChatResponseV2', value),
    embeddings: {
      model: 'embed-v4.0',
      answer: cohereExample('/v2/embed', 'Texts').body,
      // Defect in the published spec: EmbedByTypeResponse requires a top-level `api_version`; answers (its own
      // example included) carry it in `meta.api_version`.
      checkAnswer: (value) => cohereSpec.checkComponent('EmbedByTypeResponse', value, { requiredAtRoot: ['api_version'] }),
    },
  },
  {
    type: 'gemini', spec: 'Generative Language API v1beta protos (googleapis/googleapis@f8291d2b)', model: 'gemini-2.5-flash',
    config: (url) => ({ name: 'gemini', type: 'gemini', base_url: `${url}/v1beta`, api_key: KEY }),
    ...geminiChecker,
    answer: (kind) => GEMINI_ANSWERS[kind],
    embeddings: { model: 'gemini-embedding-001', answer: fixtureJson('gemini/batch-embed-response.json'), checkAnswer: (value) => geminiChecker.checkAnswer('json', value, 'batchEmbedContents') },
  },
  {
    type: 'vertex', spec: 'Vertex AI v1 protos (googleapis/googleapis@f8291d2b)', model: 'gemini-2.5-flash', apiKey: 'ya29.conformance-access-token',
    config: (url) => ({ name: 'vertex', type: 'vertex', base_url: url, project_id: 'conf-proj', location: 'europe-west4' }),
    ...googleChecker(vertex, 'google.cloud.aiplatform.v1', 'PredictionService', (req) => /^Bearer \S+$/.test(String(req.headers.authorization ?? '')), 'OAuth2 bearer token'),
    answer: (kind) => GEMINI_ANSWERS[kind],
  },
  {
    type: 'anthropic', spec: 'Anthropic Messages API, anthropic-version 2023-06-01 (schemas derived from @anthropic-ai/sdk 1.11.0)', model: 'claude-sonnet-4-5',
    config: (url) => ({ name: 'anthropic', type: 'anthropic', base_url: url, api_key: KEY }),
    checkRequest(req) {
      const url = new URL(req.url, 'http://upstream');
      const problems: string[] = [];
      if (url.pathname !== '/v1/messages' || url.search !== '') problems.push(`${req.url} is not /v1/messages`);
      if (!req.headers['x-api-key']) problems.push('no x-api-key header');
      if (!req.headers['anthropic-version']) problems.push('no anthropic-version header');
      const body = JSON.parse(req.body) as Json;
      return [...problems, ...schemaProblems(body.stream === true ? anthropicParams.stream : anthropicParams.json, body, 'body')];
    },
    answer: (kind) => (kind === 'json'
      ? { json: fixtureJson('anthropic/ts-toolrunner-01.json').response.body }
      : { sse: fixtureText(kind === 'stream-text' ? 'anthropic/basic_response.sse' : 'anthropic/tool_use_response.sse') }),
    checkAnswer: (kind, value) => (isPing(value) ? [] : schemaProblems(kind === 'json' ? schemas.anthropicMessage : schemas.anthropicEvent, value, 'answer')),
  },
];
