/**
 * Consensus routing through the composed gateway with the official SDKs: a configured route sends
 * a model's requests to three simulated providers, one of them down; the majority answer comes
 * back with `x-switchyard-consensus`, streamed clients get it as a valid stream, and the request
 * log keeps every call's usage and cost.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startGateway, type RunningGateway } from './support/gateway.js';

const ADMIN = 'admin-token-consensus-0123456789';
let gw: RunningGateway;
let key: string;
let routingKey: string;

const sim = (name: string, reply: string, extra: Record<string, unknown> = {}) => ({
  name,
  type: 'simulated',
  models: ['vote-model', 'plain-model'],
  latency_ms: 1,
  tokens_per_second: 0,
  reply,
  cost: { input_per_1k: 0.001, output_per_1k: 0.002 },
  ...extra,
});

before(async () => {
  gw = await startGateway({
    config: {
      admin: { token: ADMIN },
      auth: { required: true },
      storage: { sqlite_path: join(mkdtempSync(join(tmpdir(), 'sy-consensus-')), 'switchyard.db') },
      experiments: {
        consensus: {
          enabled: true,
          routes: {
            vote: {
              models: ['vote-model'],
              targets: [
                { provider: 'sim-paris', model: 'vote-model' },
                { provider: 'sim-down', model: 'vote-model' },
                { provider: 'sim-lyon', model: 'vote-model' },
                { provider: 'sim-paris-too', model: 'vote-model' },
              ],
            },
          },
        },
      },
      ai_gateway: {
        routing: { failover: { max_retries: 0 } },
        providers: [sim('sim-paris', 'Paris.'), sim('sim-down', 'never', { error_rate: 1 }), sim('sim-lyon', 'Lyon'), sim('sim-paris-too', 'paris')],
      },
    },
  });
  const newKey = async (body: Record<string, unknown>) => {
    const res = await fetch(`${gw.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return ((await res.json()) as { key: string }).key;
  };
  key = await newKey({ name: 'consensus-client' });
  routingKey = await newKey({ name: 'routing-client', allow_routing_headers: true });
});
after(() => gw?.close());

const EXPECTED = 'agreement=0.67; votes=2/3; ci95=0.21-0.94; method=normalised; failed=1';

async function logRecord(id: string): Promise<any> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${gw.url}/admin/logs/${id}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    if (res.status === 200) return res.json();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no log record for ${id}`);
}

test('OpenAI SDK: the majority answer, its agreement in the header, every call in the request log', async () => {
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
  const { data, response } = await client.chat.completions
    .create({ model: 'vote-model', messages: [{ role: 'user', content: 'Capital of France?' }] })
    .withResponse();
  assert.equal(data.choices[0]!.message.content, 'Paris.');
  assert.equal(response.headers.get('x-switchyard-consensus'), EXPECTED);
  assert.equal(response.headers.get('x-switchyard-provider'), 'sim-paris');
  assert.equal((data as unknown as { provider?: string }).provider, 'sim-paris', 'the body names the provider, as every OpenAI JSON answer does');

  const record = await logRecord(response.headers.get('x-request-id')!);
  assert.equal(record.provider, 'sim-paris');
  assert.equal(record.strategy, 'consensus:vote');
  const calls = record.attempts.map((a: any) => [a.provider, a.role, a.outcome]);
  assert.deepEqual(
    calls.sort(),
    [
      ['sim-down', 'consensus', 'failure'],
      ['sim-lyon', 'consensus', 'success'],
      ['sim-paris', 'consensus', 'success'],
      ['sim-paris-too', 'consensus', 'success'],
    ].sort(),
  );
  const billed = record.attempts.filter((a: any) => a.usage);
  assert.equal(billed.length, 3);
  assert.equal(
    record.usage.output,
    billed.reduce((s: number, a: any) => s + a.usage.output, 0),
    "the request's usage is every call's",
  );
  assert.ok(Math.abs(record.costUsd - billed.reduce((s: number, a: any) => s + a.costUsd, 0)) < 1e-12, "the request's cost is every call's");
  assert.ok(billed.every((a: any) => a.costUsd > 0));
});

test('OpenAI SDK streaming: the chosen answer as a valid stream, with usage', async () => {
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
  const { data: stream, response } = await client.chat.completions
    .create({ model: 'vote-model', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Capital of France?' }] })
    .withResponse();
  assert.equal(response.headers.get('x-switchyard-consensus'), EXPECTED);
  let text = '';
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, 'Paris.');
  assert.ok(usage && usage.completion_tokens > 0);
});

test('Anthropic SDK streaming on /v1/messages: the chosen answer as a valid event stream', async () => {
  const client = new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 });
  const stream = client.messages.stream({ model: 'vote-model', max_tokens: 100, messages: [{ role: 'user', content: 'Capital of France?' }] });
  const message = await stream.finalMessage();
  assert.deepEqual(
    message.content.map((b) => (b.type === 'text' ? b.text : b.type)),
    ['Paris.'],
  );
  assert.equal(message.stop_reason, 'end_turn');
  assert.ok(message.usage.output_tokens > 0);
});

test('a key allowed routing headers asks for consensus itself; another key may not', async () => {
  const body = JSON.stringify({ model: 'plain-model', messages: [{ role: 'user', content: 'hi' }] });
  const ask = (k: string, headers: Record<string, string>) =>
    fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json', ...headers }, body });
  const allowed = await ask(routingKey, { 'x-switchyard-consensus': '2', 'x-include-providers': 'sim-paris,sim-paris-too' });
  assert.equal(allowed.status, 200, await allowed.clone().text());
  assert.equal(allowed.headers.get('x-switchyard-consensus'), 'agreement=1.00; votes=2/2; ci95=0.34-1.00; method=normalised; failed=0');
  const refused = await ask(key, { 'x-switchyard-consensus': '2' });
  assert.equal(refused.status, 403);
  assert.equal(((await refused.json()) as any).error.code, 'routing_headers_not_allowed');
});
