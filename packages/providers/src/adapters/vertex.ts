/**
 * Gemini on Vertex AI: the Gemini translation, a project/location URL and an OAuth2 access
 * token from a service account (see google-auth.ts).
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/projects.locations.publishers.models/generateContent
 * @module
 */
import type { ProviderAdapter, ProviderConfig } from '../adapter.js';
import { ProviderError } from '../provider-error.js';
import { googleAdapter } from './gemini.js';
import { createServiceAccountTokenSource, readServiceAccountFile, validateCredentials, type ServiceAccountCredentials } from './google-auth.js';
import { stringOption, trimSlash, validateUrl } from './openai.js';

/**
 * The Vertex host of a location: `https://{location}-aiplatform.googleapis.com`, or
 * `https://aiplatform.googleapis.com` for `global`.
 * @example vertexHost('europe-west4') // 'https://europe-west4-aiplatform.googleapis.com'
 */
export function vertexHost(location: string): string {
  return location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`;
}

/**
 * The `vertex` adapter. Config: `project_id` (defaults to the key file's), `location`
 * (defaults to `us-central1`), `credentials_file` (service-account JSON) or `credentials` (the
 * same object inline), `token_url` (defaults to the key file's `token_uri`), `base_url`
 * (defaults to the location's host), `api_version` (defaults to `v1`), `headers`, `now`
 * (clock for token expiry; defaults to Date.now). A per-call `apiKey` is used as the access token.
 * @example createVertexAdapter({ name: 'vertex', type: 'vertex', project_id: 'my-proj', location: 'europe-west4', credentials_file: '/secrets/sa.json' })
 */
export function createVertexAdapter(config: ProviderConfig): ProviderAdapter {
  const file = stringOption(config, 'credentials_file');
  let credentials: ServiceAccountCredentials | undefined;
  if (file) credentials = readServiceAccountFile(file);
  else if (config.credentials !== undefined) credentials = validateCredentials(config.credentials, `provider ${config.name}: credentials`);
  const project = stringOption(config, 'project_id') ?? credentials?.project_id;
  if (!project) throw new TypeError(`provider ${config.name}: type vertex requires project_id (or a credentials file that names one)`);
  const location = stringOption(config, 'location') ?? 'us-central1';
  if (!/^[a-z0-9-]+$/.test(location)) throw new TypeError(`provider ${config.name}: location must look like us-central1 (got ${location})`);
  const host = trimSlash(stringOption(config, 'base_url') ?? vertexHost(location));
  validateUrl(config.name, host);
  const version = stringOption(config, 'api_version') ?? 'v1';
  const now = typeof config.now === 'function' ? (config.now as () => number) : undefined;
  const tokens = credentials
    ? createServiceAccountTokenSource({ provider: config.name, credentials, tokenUrl: stringOption(config, 'token_url'), now })
    : undefined;
  const prefix = `${host}/${version}/projects/${encodeURIComponent(project)}/locations/${location}/publishers/google/models`;

  return googleAdapter({
    type: 'vertex',
    config,
    formats: ['openai.chat'],
    url: (model, action) => `${prefix}/${model}:${action}`,
    auth: (call) => ({ authorization: `Bearer ${call.apiKey}` }),
    async prepare(call, context) {
      if (call.apiKey) return call;
      if (!tokens) throw new ProviderError(`provider ${config.name} has no credentials_file configured`, { kind: 'auth', provider: config.name });
      return { ...call, apiKey: await tokens.getToken(context.transport, context.signal) };
    },
  });
}
