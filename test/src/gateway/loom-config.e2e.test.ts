/**
 * Loom's "Complete Example" (config/loom-complete.yaml), loaded as written through
 * createGateway({ configFile }), with its three providers pointed at local upstreams by the
 * `${…_BASE_URL:-…}` variables: it must route as written.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startUpstream, type RecordedRequest, type Reply, type Upstream } from '../support/upstream.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { assertSchema, schemas } from '../support/schemas.js';
import { ADMIN_TOKEN, adminClient, anthropicMessage, openaiCompletion, openaiError } from './helpers.js';

const CONFIG = fileURLToPath(new URL('../../../config/loom-complete.yaml', import.meta.url));
const OPENAI_KEY = 'sk-loom-openai-SECRET-1111';
const ANTHROPIC_KEY = 'sk-ant-loom-SECRET-2222';

let openai: Upstream;
let anthropic: Upstream;
let local: Upstream;
let gw: RunningGateway | undefined;
const savedEnv = { ...process.env };

/** The upstream answers chat calls with `reply` and its models listing (health checks) with a list. */
function script(upstream: Upstream, reply: Reply | ((r: RecordedRequest) => Reply)) {
  upstream.respond((r) => (r.method === 'GET' ? { json: { object: 'list', data: [] } } : typeof reply === 'function' ? reply(r) : reply));
}
const posts = (u: Upstream) => u.requests.filter((r) => r.method === 'POST');

before(async () => {
  [openai, anthropic, local] = await Promise.all([startUpstream(), startUpstream(), startUpstream()]);
  Object.assign(process.env, {
    OPENAI_BASE_URL: `${openai.url}/v1`,
    ANTHROPIC_BASE_URL: anthropic.url,
    LOCAL_BASE_URL: `${local.url}/v1`,
    OPENAI_API_KEY: OPENAI_KEY,
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    SWITCHYARD_SQLITE_PATH: ':memory:',
    SWITCHYARD_ADMIN_TOKEN: ADMIN_TOKEN,
  });
});

/** A fresh gateway per test: circuit breakers and cool-downs start closed. */
async function gateway(): Promise<RunningGateway> {
  for (const u of [openai, anthropic, local]) u.requests.length = 0;
  script(openai, { json: openaiCompletion('gpt-4-turbo-preview', 'from openai') });
  script(anthropic, { json: anthropicMessage('claude-3-opus-20240229', 'from anthropic') });
  script(local, { json: openaiCompletion('llama-2-70b', 'from local') });
  gw = await startGateway({ configFile: CONFIG });
  return gw;
}

afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

after(async () => {
  await Promise.all([openai.close(), anthropic.close(), local.close()]);
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
});

const ask = (url: string) =>
  new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-any', maxRetries: 0 }).chat.completions
    .create({ model: 'gpt-4', messages: [{ role: 'user', content: 'hello loom' }] })
    .withResponse();

test('the Complete Example loads as written, with the three base URLs from the environment', async () => {
  const { gateway: g } = await gateway();
  const providers = g.config.ai_gateway.providers.map((p) => [p.name, p.type, p.base_url]);
  assert.deepEqual(providers, [
    ['openai', 'openai', `${openai.url}/v1`],
    ['anthropic', 'anthropic', anthropic.url],
    ['local', 'openai', `${local.url}/v1`],
  ]);
  assert.equal(g.config.ai_gateway.routing.strategy, 'priority');
});

test('gpt-4 goes to openai first (priority 1) as gpt-4-turbo-preview', async () => {
  const { url } = await gateway();
  const { data, response } = await ask(url);
  assertSchema(schemas.openaiChatCompletion, data, 'completion');
  assert.equal(data.choices[0]!.message.content, 'from openai');
  assert.equal(response.headers.get('x-switchyard-provider'), 'openai');
  assert.equal(response.headers.get('x-switchyard-model'), 'gpt-4-turbo-preview');
  assert.equal(response.headers.get('x-switchyard-strategy'), 'priority');
  assert.equal(response.headers.get('x-switchyard-attempts'), '1');
  const [seen, ...more] = posts(openai);
  assert.equal(more.length, 0);
  assert.equal(seen!.path, '/v1/chat/completions');
  assert.equal(seen!.body.model, 'gpt-4-turbo-preview');
  assert.equal(seen!.headers.authorization, `Bearer ${OPENAI_KEY}`);
  assert.equal(posts(anthropic).length + posts(local).length, 0);

  // An Anthropic-format client asking for gpt-4 gets the same route, translated both ways.
  const message = await new Anthropic({ baseURL: url, apiKey: 'sk-any', maxRetries: 0 }).messages.create({
    model: 'gpt-4',
    max_tokens: 16,
    messages: [{ role: 'user', content: 'hi' }],
  });
  assertSchema(schemas.anthropicMessage, message, 'message');
  assert.deepEqual(message.content, [{ type: 'text', text: 'from openai' }]);
  assert.equal(posts(openai).at(-1)!.body.model, 'gpt-4-turbo-preview');
});

test('openai 503: retried max_retries times, then anthropic (translated, claude-3-opus-20240229)', async () => {
  const { url } = await gateway();
  script(openai, { status: 503, json: openaiError(503) });
  const { data, response } = await ask(url);
  assertSchema(schemas.openaiChatCompletion, data, 'translated completion');
  assert.equal(data.choices[0]!.message.content, 'from anthropic');
  assert.equal(response.headers.get('x-switchyard-provider'), 'anthropic');
  assert.equal(response.headers.get('x-switchyard-model'), 'claude-3-opus-20240229');
  assert.equal(posts(openai).length, 3, '1 try + max_retries: 2');
  assert.equal(response.headers.get('x-switchyard-attempts'), '4');
  const [seen, ...more] = posts(anthropic);
  assert.equal(more.length, 0);
  assert.equal(seen!.path, '/v1/messages');
  assert.equal(seen!.body.model, 'claude-3-opus-20240229');
  assert.equal(seen!.headers['x-api-key'], ANTHROPIC_KEY);
  assert.match(String(seen!.headers['anthropic-version']), /^\d{4}-\d{2}-\d{2}$/);
  assert.equal(typeof seen!.body.max_tokens, 'number', 'Anthropic requires max_tokens');
  assert.deepEqual(seen!.body.messages, [{ role: 'user', content: 'hello loom' }]);
  assert.equal(seen!.headers.authorization, undefined, 'the OpenAI credential never reaches Anthropic');
  assert.equal(posts(local).length, 0);
});

test('openai and anthropic down: local (priority 3) serves llama-2-70b', async () => {
  const { url } = await gateway();
  script(openai, { status: 503, json: openaiError(503) });
  script(anthropic, { status: 529, json: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
  const { data, response } = await ask(url);
  assert.equal(data.choices[0]!.message.content, 'from local');
  assert.equal(response.headers.get('x-switchyard-provider'), 'local');
  assert.equal(posts(local)[0]!.body.model, 'llama-2-70b');
  assert.equal(posts(local)[0]!.headers.authorization, 'Bearer dummy');
  // 529 is not in retry_codes: anthropic is not retried.
  assert.equal(posts(anthropic).length, 1);
  assert.equal(response.headers.get('x-switchyard-attempts'), String(posts(openai).length + 1 + 1));
});

test('openai and anthropic both answer 503: local still serves (the chain is walked to its end)', async () => {
  const { url } = await gateway();
  script(openai, { status: 503, json: openaiError(503) });
  script(anthropic, { status: 503, json: { type: 'error', error: { type: 'api_error', message: 'unavailable' } } });
  const { data, response } = await ask(url);
  assert.equal(posts(openai).length, 3);
  assert.equal(posts(anthropic).length, 3);
  assert.equal(data.choices[0]!.message.content, 'from local');
  assert.equal(response.headers.get('x-switchyard-provider'), 'local');
});

test('retry_codes: a 502 is retried, a 520 (not listed) fails over at once', async () => {
  const { url } = await gateway();
  script(openai, { status: 502, json: openaiError(502) });
  assert.equal((await ask(url)).response.headers.get('x-switchyard-provider'), 'anthropic');
  assert.equal(posts(openai).length, 3);
  openai.requests.length = 0;
  script(openai, { status: 520, json: openaiError(520) });
  assert.equal((await ask(url)).response.headers.get('x-switchyard-provider'), 'anthropic');
  assert.equal(posts(openai).length, 1);
});

test('the circuit breaker opens after failure_threshold (5) failures: openai is then skipped without a request', async () => {
  const { url, gateway: g } = await gateway();
  script(openai, { status: 503, json: openaiError(503) });
  for (let i = 0; i < 2; i++) assert.equal((await ask(url)).response.headers.get('x-switchyard-provider'), 'anthropic');
  assert.equal(posts(openai).length, 5, 'the 6th try is refused by the open breaker');
  const breaker = g.switchyard.stack.executor.breakerStates().find((b) => b.provider === 'openai' && b.model === 'gpt-4-turbo-preview');
  assert.equal(breaker?.state, 'open');
  const stats = await adminClient(url)('GET', '/providers/openai/stats');
  assert.equal(stats.status, 200);
  assert.ok(
    stats.json.breakers.some((b: { state: string }) => b.state === 'open'),
    JSON.stringify(stats.json.breakers),
  );

  // Even once openai recovers, it is skipped while the breaker is open (timeout: 60s).
  script(openai, { json: openaiCompletion('gpt-4-turbo-preview', 'from openai') });
  const { response } = await ask(url);
  assert.equal(response.headers.get('x-switchyard-provider'), 'anthropic');
  assert.equal(posts(openai).length, 5, 'no request to a provider whose breaker is open');
  assert.equal(posts(anthropic).length, 3);
});
