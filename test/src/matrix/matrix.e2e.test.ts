/**
 * The translation matrix (issue 3): each client format (official openai / @anthropic-ai/sdk)
 * x each provider (a local upstream speaking its exact wire format) x each scenario, through
 * one real gateway. Every cell checks what the upstream received (its own URL, auth and body
 * shape), that the client got what the upstream meant (text, tool names, JSON-equal
 * arguments, mapped stop reason, usage), and that every client-facing body, chunk and event
 * passes the official OpenAI / Anthropic schemas.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { createClients, PRIOR_CALL_ID, STOP_NAMES, type Clients } from './clients.js';
import { startProviders, type MatrixProvider, type RunningProviders } from './providers.js';
import { MEANINGS, SCENARIOS, STREAMING, type Scenario } from './scenarios.js';
import type { CellContext, ClientKind } from './wire.js';

const CLIENTS: ClientKind[] = ['openai-sdk', 'anthropic-sdk'];
const PROVIDER_NAMES = ['openai', 'azure', 'anthropic', 'gemini', 'vertex', 'mistral', 'cohere', 'vllm'];
const CLIENT_KEY = 'sk-matrix-client-key';

/** Cells that cannot pass yet, with the reason (kept visible as node:test todos). */
const TODO: Record<string, string> = {};

let running: RunningProviders;
let gw: RunningGateway;
let clients: Clients;
const byName = new Map<string, MatrixProvider>();

before(async () => {
  running = await startProviders();
  for (const p of running.providers) byName.set(p.name, p);
  gw = await startGateway({ config: { storage: { sqlite_path: ':memory:' }, ai_gateway: running.aiGateway } });
  clients = createClients(gw.url, CLIENT_KEY);
});
after(async () => {
  await gw?.close();
  await running?.close();
});

async function runCell(kind: ClientKind, providerName: string, scenario: Scenario): Promise<void> {
  const provider = byName.get(providerName)!;
  const meaning = MEANINGS[scenario];
  const priorId = PRIOR_CALL_ID[kind];
  const ctx: CellContext = {
    scenario,
    client: kind,
    stream: STREAMING.has(scenario),
    model: provider.model,
    priorCallId: provider.mapCallId ? provider.mapCallId(priorId) : priorId,
  };
  provider.upstream.respond(provider.wire.reply(meaning, ctx));
  const before = provider.upstream.requests.length;

  const result = await clients.run(kind, scenario, `${provider.name}/${provider.model}`);

  // The upstream received exactly one request, in its own wire format.
  assert.equal(provider.upstream.requests.length, before + 1, 'one upstream call');
  const seen = provider.upstream.requests.at(-1)!;
  assert.equal(seen.method, 'POST');
  provider.checkTransport(seen, ctx);
  assert.ok(!JSON.stringify(seen.headers).includes(CLIENT_KEY), "the client's key never reaches the upstream");
  provider.wire.checkBody(seen, ctx);

  // The client got what the upstream meant.
  assert.equal(result.provider, provider.name);
  const expectedText = meaning.toolCalls.length && provider.wire.textDroppedWithTools ? '' : meaning.text;
  assert.equal(result.text, expectedText, 'text');
  assert.deepEqual(
    result.toolCalls.map((c) => c.name),
    meaning.toolCalls.map((c) => c.name),
    'tool names',
  );
  result.toolCalls.forEach((call, i) => assert.deepEqual(call.args, meaning.toolCalls[i]!.args, `arguments of ${call.name}`));
  const ids = result.toolCalls.map((c) => c.id);
  if (provider.wire.toolCallIds) assert.deepEqual(ids, provider.wire.toolCallIds.slice(0, ids.length), 'the upstream tool-call ids are kept');
  else ids.forEach((id) => assert.match(id, /^(call|toolu)_[A-Za-z0-9]+$/, 'a synthesised id'));
  assert.equal(new Set(ids).size, ids.length, 'tool-call ids are distinct');
  assert.equal(result.stop, STOP_NAMES[kind][meaning.stop], 'stop reason');
  assert.ok(result.usage, 'usage present');
  assert.deepEqual(result.usage, meaning.usage, 'usage');
  assert.ok(result.usage.input > 0 && result.usage.output > 0);
}

for (const kind of CLIENTS) {
  describe(kind, () => {
    for (const providerName of PROVIDER_NAMES) {
      for (const scenario of SCENARIOS) {
        const name = `${kind} x ${providerName} x ${scenario}`;
        const todo = TODO[name];
        test(name, todo ? { todo } : {}, () => runCell(kind, providerName, scenario));
      }
    }
  });
}

test('vertex: one JWT grant at the local token endpoint, its access token cached for every later cell', () => {
  assert.equal(running.vertexGrants(), 1);
});
