/**
 * The matrix's providers: one local upstream per provider on 127.0.0.1 speaking that provider's
 * wire format, the gateway config that reaches them, and what each must see on the wire
 * (URL path, auth header style).
 */
import assert from 'node:assert/strict';
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { mistralToolCallId } from '@switchyard/providers';
import { startUpstream, type RecordedRequest, type Upstream } from '../support/upstream.js';
import { anthropicWire } from './wire-anthropic.js';
import { cohereWire } from './wire-cohere.js';
import { googleWire } from './wire-google.js';
import { openAIWire } from './wire-openai.js';
import type { CellContext, Wire } from './wire.js';

export interface MatrixProvider {
  name: string;
  /** The upstream model; clients ask for `${name}/${model}`. */
  model: string;
  wire: Wire;
  /** Maps the client's tool-call id to the one this provider must receive. */
  mapCallId?: (id: string) => string;
  checkTransport(request: RecordedRequest, ctx: CellContext): void;
  upstream: Upstream;
  config: Record<string, unknown>;
}

const KEYS = {
  openai: 'sk-matrix-openai-SECRET-01',
  azure: 'azure-matrix-SECRET-02',
  anthropic: 'sk-ant-matrix-SECRET-03',
  gemini: 'AIzaSy-matrix-SECRET-04',
  mistral: 'mistral-matrix-SECRET-05',
  cohere: 'co-matrix-SECRET-06',
  vllm: 'vllm-matrix-SECRET-07',
};
const VERTEX_TOKEN = 'ya29.matrix-access-token';
const AZURE_VERSION = '2024-10-21';
/** What @anthropic-ai/sdk 1.11 sends as `anthropic-version`. */
const ANTHROPIC_SDK_VERSION = '2026-10-21';

const bearer = (key: string) => (r: RecordedRequest) => assert.equal(r.headers.authorization, `Bearer ${key}`);
const openAIPath = (prefix: string) => (r: RecordedRequest) => assert.equal(r.path, `${prefix}/chat/completions`);
const googlePath = (prefix: string, model: string) => (r: RecordedRequest, ctx: CellContext) =>
  assert.equal(r.path, ctx.stream ? `${prefix}/models/${model}:streamGenerateContent?alt=sse` : `${prefix}/models/${model}:generateContent`);

export interface RunningProviders {
  providers: MatrixProvider[];
  /** The `ai_gateway` section. */
  aiGateway: Record<string, unknown>;
  /** Token grants the local Vertex token endpoint handed out. */
  vertexGrants(): number;
  close(): Promise<void>;
}

/** A local Google OAuth token endpoint that verifies the RS256 JWT grant with the key pair's public key. */
async function startTokenEndpoint(publicKey: import('node:crypto').KeyObject, email: string): Promise<{ upstream: Upstream; grants: () => number }> {
  let grants = 0;
  const upstream = await startUpstream((req) => {
    const form = new URLSearchParams(req.raw);
    const jwt = form.get('assertion') ?? '';
    const [h, p, s] = jwt.split('.');
    const valid =
      form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' &&
      !!h &&
      !!p &&
      !!s &&
      createVerify('RSA-SHA256').update(`${h}.${p}`).verify(publicKey, Buffer.from(s, 'base64url')) &&
      JSON.parse(Buffer.from(p, 'base64url').toString()).iss === email;
    if (!valid) return { status: 400, json: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } };
    grants++;
    return { json: { access_token: VERTEX_TOKEN, expires_in: 3599, token_type: 'Bearer' } };
  });
  return { upstream, grants: () => grants };
}

export async function startProviders(): Promise<RunningProviders> {
  const up = async () => startUpstream();
  const [openai, azure, anthropic, gemini, vertex, mistral, cohere, vllm] = await Promise.all([up(), up(), up(), up(), up(), up(), up(), up()]);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const email = 'switchyard@matrix-proj.iam.gserviceaccount.com';
  const token = await startTokenEndpoint(publicKey, email);

  const providers: MatrixProvider[] = [
    {
      name: 'openai',
      model: 'gpt-4o-mini',
      wire: openAIWire('openai'),
      upstream: openai,
      config: { type: 'openai', base_url: `${openai.url}/v1`, api_key: KEYS.openai },
      checkTransport: (r) => (openAIPath('/v1')(r), bearer(KEYS.openai)(r)),
    },
    {
      name: 'azure',
      model: 'gpt-4o',
      wire: openAIWire('azure'),
      upstream: azure,
      config: { type: 'azure', base_url: azure.url, api_key: KEYS.azure, deployments: { 'gpt-4o': 'gpt4o-prod' }, api_version: AZURE_VERSION },
      checkTransport: (r) => {
        assert.equal(r.path, `/openai/deployments/gpt4o-prod/chat/completions?api-version=${AZURE_VERSION}`);
        assert.equal(r.headers['api-key'], KEYS.azure);
        assert.equal(r.headers.authorization, undefined, 'Azure keys go in api-key, not Authorization');
      },
    },
    {
      name: 'anthropic',
      model: 'claude-sonnet-4-5',
      wire: anthropicWire(),
      upstream: anthropic,
      config: { type: 'anthropic', base_url: anthropic.url, api_key: KEYS.anthropic },
      checkTransport: (r, ctx) => {
        assert.equal(r.path, '/v1/messages');
        assert.equal(r.headers['x-api-key'], KEYS.anthropic);
        // The adapter's default version, unless the client (the Anthropic SDK) sent its own.
        assert.equal(r.headers['anthropic-version'], ctx.client === 'anthropic-sdk' ? ANTHROPIC_SDK_VERSION : '2023-06-01');
        assert.equal(r.headers.authorization, undefined);
      },
    },
    {
      name: 'gemini',
      model: 'gemini-2.0-flash',
      wire: googleWire(),
      upstream: gemini,
      config: { type: 'gemini', base_url: `${gemini.url}/v1beta`, api_key: KEYS.gemini },
      checkTransport: (r, ctx) => {
        googlePath('/v1beta', 'gemini-2.0-flash')(r, ctx);
        assert.equal(r.headers['x-goog-api-key'], KEYS.gemini);
        assert.equal(r.headers.authorization, undefined);
      },
    },
    {
      name: 'vertex',
      model: 'gemini-2.5-flash',
      wire: googleWire(),
      upstream: vertex,
      config: {
        type: 'vertex',
        base_url: vertex.url,
        project_id: 'matrix-proj',
        location: 'europe-west4',
        token_url: `${token.upstream.url}/token`,
        credentials: {
          type: 'service_account',
          project_id: 'matrix-proj',
          private_key_id: 'kid-matrix',
          client_email: email,
          private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
          token_uri: 'https://oauth2.googleapis.com/token',
        },
      },
      checkTransport: (r, ctx) => {
        googlePath('/v1/projects/matrix-proj/locations/europe-west4/publishers/google', 'gemini-2.5-flash')(r, ctx);
        assert.equal(r.headers.authorization, `Bearer ${VERTEX_TOKEN}`, 'Vertex gets the OAuth access token from the JWT grant');
        assert.equal(r.headers['x-goog-api-key'], undefined);
      },
    },
    {
      name: 'mistral',
      model: 'pixtral-large-latest',
      wire: openAIWire('mistral'),
      upstream: mistral,
      mapCallId: mistralToolCallId,
      config: { type: 'mistral', base_url: `${mistral.url}/v1`, api_key: KEYS.mistral },
      checkTransport: (r) => (openAIPath('/v1')(r), bearer(KEYS.mistral)(r)),
    },
    {
      name: 'cohere',
      model: 'command-a-vision-07-2025',
      wire: cohereWire(),
      upstream: cohere,
      config: { type: 'cohere', base_url: cohere.url, api_key: KEYS.cohere },
      checkTransport: (r) => (assert.equal(r.path, '/v2/chat'), bearer(KEYS.cohere)(r)),
    },
    {
      name: 'vllm',
      model: 'qwen2.5-vl-7b-instruct',
      wire: openAIWire('vllm'),
      upstream: vllm,
      config: { type: 'vllm', base_url: `${vllm.url}/v1`, api_key: KEYS.vllm },
      checkTransport: (r) => (openAIPath('/v1')(r), bearer(KEYS.vllm)(r)),
    },
  ];

  return {
    providers,
    aiGateway: { providers: providers.map((p) => ({ name: p.name, ...p.config, models: [p.model] })) },
    vertexGrants: token.grants,
    async close() {
      await Promise.all([...providers.map((p) => p.upstream.close()), token.upstream.close()]);
    },
  };
}
