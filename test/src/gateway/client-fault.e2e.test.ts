/**
 * A request that cannot even be sent upstream is the client's fault: a 400 in its format, never
 * retried or failed over, and never counted against the provider. Before, a body nested too deep
 * for the adapter's JSON.stringify counted as an upstream server_error, and three of them opened
 * the breaker for every other key.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { startUpstream, type Upstream } from '../support/upstream.js';
import { anthropicMessage, openaiCompletion } from './helpers.js';

let upO: Upstream;
let upA: Upstream;
let upB: Upstream;
let gw: RunningGateway;

before(async () => {
  [upO, upA, upB] = await Promise.all([
    startUpstream({ json: openaiCompletion('gpt-4o-mini', 'from primary') }),
    startUpstream({ json: anthropicMessage('claude-sonnet-4-5', 'from anthropic') }),
    startUpstream({ json: openaiCompletion('gpt-4o-mini', 'from backup') }),
  ]);
  // The parse-time depth limit is lifted so the deep body reaches the adapters.
  process.env.SWITCHYARD_MAX_JSON_DEPTH = '1000000';
  gw = await startGateway({
    config: {
      storage: { sqlite_path: ':memory:' },
      ai_gateway: {
        providers: [
          { name: 'p-openai', type: 'openai', base_url: `${upO.url}/v1`, api_key: 'sk-upstream-a-0123456789', models: ['gpt-4o-mini'] },
          { name: 'p-anthropic', type: 'anthropic', base_url: upA.url, api_key: 'sk-upstream-c-0123456789', models: ['claude-sonnet-4-5'] },
          { name: 'p-backup', type: 'openai', base_url: `${upB.url}/v1`, api_key: 'sk-upstream-b-0123456789', models: ['gpt-4o-mini'] },
        ],
        routing: {
          strategy: 'priority',
          providers: [
            { name: 'p-openai', priority: 1 },
            { name: 'p-anthropic', priority: 1 },
            { name: 'p-backup', priority: 2 },
          ],
          failover: { circuit_breaker: { failure_threshold: 3, timeout: '60s' } },
        },
        model_mapping: {
          chat: { 'p-openai': 'gpt-4o-mini', 'p-backup': 'gpt-4o-mini' },
          claude: { 'p-anthropic': 'claude-sonnet-4-5' },
        },
      },
    },
  });
});

after(async () => {
  await gw.close();
  await Promise.all([upO.close(), upA.close(), upB.close()]);
});

/** JSON text of arrays nested `depth` deep (too deep for this process's JSON.stringify). */
const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const post = async (path: string, body: Record<string, unknown> | string) => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, any> };
};

test('a body too deep to serialise is a 400 in the client format; the breaker and health never see it', async () => {
  const tooDeep = 20_000;
  // The deep value sits where the adapter must serialise it: in `stream_options`, which usage
  // accounting extends (a member that changed; members nobody changes are the client's bytes).
  // The Anthropic client's deep tool input is caught earlier, by the request checks.
  for (let i = 0; i < 5; i++) {
    const text = `{"model":"chat","stream":true,"messages":[{"role":"user","content":"hi"}],"stream_options":{"x":${deep(tooDeep)}}}`;
    const res = await post('/v1/chat/completions', text);
    assert.equal(res.status, 400, JSON.stringify(res.json));
    assert.equal(res.json.error.type, 'invalid_request_error');
    assert.equal(res.headers.get('x-switchyard-attempts'), '1', 'not retried, not failed over');
  }
  const toolUse = `{"type":"tool_use","id":"t1","name":"f","input":{"x":${deep(tooDeep)}}}`;
  const anthropic = await post(
    '/v1/messages',
    `{"model":"chat","max_tokens":10,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[${toolUse}]},` +
      `{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}]}`,
  );
  assert.equal(anthropic.status, 400, JSON.stringify(anthropic.json));
  assert.equal(anthropic.json.type, 'error');
  assert.equal(anthropic.json.error.type, 'invalid_request_error');

  // Nothing was sent upstream, and every other client is still served by the primary.
  assert.equal(upO.requests.length + upA.requests.length + upB.requests.length, 0);
  const fine = await post('/v1/chat/completions', { model: 'chat', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(fine.status, 200);
  assert.equal(fine.headers.get('x-switchyard-provider'), 'p-openai');
  const { stack } = gw.gateway.switchyard;
  assert.ok(stack.executor.breakerStates().every((b) => b.state === 'closed'));
  assert.equal(stack.health.health('p-openai')?.status, 'healthy');
  const perf = stack.performance.snapshot().find((p) => p.provider === 'p-openai');
  assert.equal(perf?.attempts, 1, 'only the request that was sent is a sample');
});

test('a deep member the gateway does not change goes upstream as the client sent it, never serialised', async () => {
  const before = upO.requests.length;
  const text = `{"model":"chat","messages":[{"role":"user","content":"hi"}],"metadata":{"x":${deep(20_000)}}}`;
  const res = await post('/v1/chat/completions', text);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.equal(upO.requests.length, before + 1);
  // The mapped model is spliced in; the deep member is the client's bytes.
  assert.equal(upO.requests.at(-1)!.raw, text.replace('"model":"chat"', '"model":"gpt-4o-mini"'));
});
