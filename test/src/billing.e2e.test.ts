/**
 * Billing accuracy, checked independently: every expected cost is computed by
 * `@pydantic/genai-prices` itself (`extractUsage` + `calcPrice` on the usage the upstream really
 * sent, no Switchyard code) and compared with every place the gateway shows it: the request-log
 * row, the `x-switchyard-cost-usd` header, `/admin/usage`, the key's totals in `/admin/keys`
 * and `/admin/keys/:id`, and the Prometheus counters.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { calcPrice, extractUsage, findProvider } from '@pydantic/genai-prices';
import { startGateway, type RunningGateway } from './support/gateway.js';
import { sse, startUpstream, type Upstream } from './support/upstream.js';

const ADMIN = 'admin-token-for-billing-0123456789';
let gw: RunningGateway;
let anthropicUp: Upstream;
let geminiUp: Upstream;
let openaiUp: Upstream;

before(async () => {
  [anthropicUp, geminiUp, openaiUp] = await Promise.all([startUpstream(), startUpstream(), startUpstream()]);
  gw = await startGateway({
    config: {
      admin: { token: ADMIN },
      auth: { required: true },
      storage: { sqlite_path: join(mkdtempSync(join(tmpdir(), 'sy-billing-')), 'switchyard.db') },
      ai_gateway: {
        providers: [
          {
            name: 'anthropic',
            type: 'anthropic',
            base_url: anthropicUp.url,
            api_key: 'sk-ant-billing',
            models: ['claude-sonnet-4-5', 'claude-sonnet-4-20250514'],
          },
          { name: 'gemini', type: 'gemini', base_url: `${geminiUp.url}/v1beta`, api_key: 'AIza-billing', models: ['gemini-2.5-pro'] },
          { name: 'openai', type: 'openai', base_url: `${openaiUp.url}/v1`, api_key: 'sk-billing', models: ['gpt-4o', 'house-model-unpriced'] },
        ],
      },
    },
  });
});
after(async () => {
  await gw?.close();
  await Promise.all([anthropicUp, geminiUp, openaiUp].map((u) => u?.close()));
});

// ---------------------------------------------------------------- independent expectation

type GenaiProvider = 'anthropic' | 'google' | 'openai';

/** What genai-prices says the upstream's answer costs (null: it has no price for the model). */
function expectedUsd(provider: GenaiProvider, model: string, upstreamBody: unknown, flavor?: string): number | null {
  const { usage } = extractUsage(findProvider({ providerId: provider })!, upstreamBody, flavor);
  return calcPrice(usage, model, { providerId: provider })?.total_price ?? null;
}

// ---------------------------------------------------------------- upstream answers

function anthropicMessage(model: string, usage: Record<string, unknown>) {
  return {
    id: 'msg_billing',
    type: 'message',
    role: 'assistant',
    model,
    stop_reason: 'end_turn',
    stop_sequence: null,
    content: [{ type: 'text', text: 'priced' }],
    usage,
  };
}

function anthropicStream(model: string, usage: Record<string, unknown>): string[] {
  const { output_tokens, ...input } = usage;
  return [
    sse({ type: 'message_start', message: { ...anthropicMessage(model, { ...input, output_tokens: 1 }), content: [], stop_reason: null } }, 'message_start'),
    sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'),
    sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'priced' } }, 'content_block_delta'),
    sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
    sse({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens } }, 'message_delta'),
    sse({ type: 'message_stop' }, 'message_stop'),
  ];
}

function geminiResponse(model: string, usageMetadata: Record<string, unknown>) {
  return { candidates: [{ content: { parts: [{ text: 'priced' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata, modelVersion: model };
}

function openaiCompletion(model: string, usage: Record<string, unknown>) {
  return {
    id: 'chatcmpl-billing',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'priced' }, finish_reason: 'stop', logprobs: null }],
    usage,
  };
}

// ---------------------------------------------------------------- where the figure appears

const admin = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`${gw.url}/admin${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  assert.ok(res.status < 300, `${path}: ${res.status}`);
  return (await res.json()) as any;
};

async function newKey(name: string, extra: Record<string, unknown> = {}): Promise<{ id: string; key: string }> {
  return admin('/keys', { method: 'POST', body: JSON.stringify({ name, ...extra }) });
}

/** Sum of a Prometheus counter over the series with these labels. */
async function counter(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const m = /^[^{]+\{([^}]*)\}\s+(\S+)$/.exec(line);
    if (!m) continue;
    const has = Object.entries(labels).every(([k, v]) => m[1]!.includes(`${k}="${v}"`));
    if (has) sum += Number(m[2]);
  }
  return sum;
}

const close = (actual: number | undefined | null, expected: number, where: string) =>
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) < 1e-9, `${where}: ${actual} instead of ${expected}`);

interface Seen {
  /** Request ids of the requests made with the key. */
  requestIds: string[];
  /** Cost headers of JSON answers (undefined for streams). */
  headers: (string | null | undefined)[];
}

/**
 * Check one key's traffic everywhere: each row and header against its own expectation, and
 * the key's totals, /admin/usage and the metrics delta against their sum.
 */
async function checkEverywhere(keyId: string, seen: Seen, expected: number[], metric: { provider: string; model: string; before: number }) {
  for (const [i, id] of seen.requestIds.entries()) {
    const row = await admin(`/logs/${id}`);
    close(row.costUsd, expected[i]!, `request-log row ${i}`);
    const header = seen.headers[i];
    if (header !== undefined) close(header === null ? null : Number(header), expected[i]!, `x-switchyard-cost-usd ${i}`);
  }
  const total = expected.reduce((a, b) => a + b, 0);
  const usage = await admin('/usage?group_by=key&window=1h');
  close(usage.data.find((g: any) => g.group === keyId)?.spendUsd, total, '/admin/usage spend');
  close((await admin(`/keys/${keyId}`)).usage?.spend_usd, total, '/admin/keys/:id spend');
  const listed = await admin('/keys');
  close((listed.data as any[]).find((k) => k.id === keyId)?.usage?.spend_usd, total, '/admin/keys spend');
  close((await counter('switchyard_cost_usd_total', { provider: metric.provider, model: metric.model })) - metric.before, total, 'switchyard_cost_usd_total');
}

const requestIdOf = (headers: Headers) => headers.get('x-request-id')!;

// ---------------------------------------------------------------- 1. tiered prices

test('long-context requests are priced at the tier their input falls in (claude-sonnet-4-5, gemini-2.5-pro)', async () => {
  const { id, key } = await newKey('billing-tiers');
  const seen: Seen = { requestIds: [], headers: [] };
  const expected: number[] = [];

  // Claude above 200k input tokens: every class moves to the long-context rate.
  const claudeUsage = { input_tokens: 230_000, cache_read_input_tokens: 10_000, cache_creation_input_tokens: 0, output_tokens: 1_000 };
  const claudeBody = anthropicMessage('claude-sonnet-4-5', claudeUsage);
  anthropicUp.respond({ json: claudeBody });
  const before = await counter('switchyard_cost_usd_total', { provider: 'anthropic', model: 'claude-sonnet-4-5' });
  const client = new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 });
  const { response } = await client.messages
    .create({ model: 'claude-sonnet-4-5', max_tokens: 2000, messages: [{ role: 'user', content: 'long' }] })
    .withResponse();
  seen.requestIds.push(requestIdOf(response.headers));
  seen.headers.push(response.headers.get('x-switchyard-cost-usd'));
  expected.push(expectedUsd('anthropic', 'claude-sonnet-4-5', claudeBody)!);
  // The base rate would be about half: the check really tells the tiers apart.
  assert.ok(
    expected[0]! > 1.4 * expectedUsd('anthropic', 'claude-sonnet-4-5', anthropicMessage('claude-sonnet-4-5', { ...claudeUsage, input_tokens: 190_000 }))!,
  );
  await checkEverywhere(id, seen, expected, { provider: 'anthropic', model: 'claude-sonnet-4-5', before });

  // Gemini 2.5 Pro through the OpenAI SDK (cross-format), 250k prompt tokens.
  const { id: id2, key: key2 } = await newKey('billing-tiers-gemini');
  const geminiBody = geminiResponse('gemini-2.5-pro', { promptTokenCount: 250_000, candidatesTokenCount: 1_000, totalTokenCount: 251_000 });
  geminiUp.respond({ json: geminiBody });
  const beforeGemini = await counter('switchyard_cost_usd_total', { provider: 'gemini', model: 'gemini-2.5-pro' });
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key2, maxRetries: 0 });
  const { response: r2 } = await openai.chat.completions.create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'long' }] }).withResponse();
  const geminiExpected = expectedUsd('google', 'gemini-2.5-pro', geminiBody)!;
  close(geminiExpected, 0.64, 'genai-prices itself'); // the figure the issue quotes
  await checkEverywhere(id2, { requestIds: [requestIdOf(r2.headers)], headers: [r2.headers.get('x-switchyard-cost-usd')] }, [geminiExpected], {
    provider: 'gemini',
    model: 'gemini-2.5-pro',
    before: beforeGemini,
  });
});

// ---------------------------------------------------------------- 2. one-hour cache writes

test('one-hour cache writes are priced at their own rate and carried through row, usage, keys and metrics', async () => {
  const { id, key } = await newKey('billing-1h');
  const model = 'claude-sonnet-4-20250514';
  const usage = {
    input_tokens: 1_000,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 2_000,
    output_tokens: 500,
    cache_creation: { ephemeral_5m_input_tokens: 500, ephemeral_1h_input_tokens: 1_500 },
  };
  const body = anthropicMessage(model, usage);
  const seen: Seen = { requestIds: [], headers: [] };
  const before = await counter('switchyard_cost_usd_total', { provider: 'anthropic', model });
  const tokensBefore = await counter('switchyard_tokens_total', { provider: 'anthropic', model, class: 'cache_write_1h' });

  // Anthropic SDK, JSON.
  anthropicUp.respond({ json: body });
  const anthropic = new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 });
  const { response } = await anthropic.messages.create({ model, max_tokens: 600, messages: [{ role: 'user', content: 'cache me' }] }).withResponse();
  seen.requestIds.push(requestIdOf(response.headers));
  seen.headers.push(response.headers.get('x-switchyard-cost-usd'));

  // Anthropic SDK, stream (the breakdown arrives in message_start).
  anthropicUp.respond({ sse: anthropicStream(model, usage) });
  const stream = anthropic.messages.stream({ model, max_tokens: 600, messages: [{ role: 'user', content: 'cache me' }] });
  await stream.finalMessage();
  seen.requestIds.push(requestIdOf((await stream.withResponse()).response.headers));
  seen.headers.push(undefined);

  // OpenAI SDK to Claude (cross-format).
  anthropicUp.respond({ json: body });
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
  const { response: r3 } = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'cache me' }] }).withResponse();
  seen.requestIds.push(requestIdOf(r3.headers));
  seen.headers.push(r3.headers.get('x-switchyard-cost-usd'));

  const one = expectedUsd('anthropic', model, body)!;
  const allFiveMinute = expectedUsd('anthropic', model, anthropicMessage(model, { ...usage, cache_creation: undefined }))!;
  assert.ok(one - allFiveMinute > 0.003, 'the one-hour rate makes a difference the check can see');
  await checkEverywhere(id, seen, [one, one, one], { provider: 'anthropic', model, before });

  // The 1-hour class is carried everywhere tokens are shown.
  const row = await admin(`/logs/${seen.requestIds[0]}`);
  assert.equal(row.usage.cacheWrite, 2_000);
  assert.equal(row.usage.cacheWrite1h, 1_500);
  const group = (await admin('/usage?group_by=key&window=1h')).data.find((g: any) => g.group === id);
  assert.deepEqual([group.cacheWriteTokens, group.cacheWrite1hTokens], [6_000, 4_500]);
  const keyUsage = (await admin(`/keys/${id}`)).usage;
  assert.deepEqual([keyUsage.cache_write_tokens, keyUsage.cache_write_1h_tokens], [6_000, 4_500]);
  assert.equal((await counter('switchyard_tokens_total', { provider: 'anthropic', model, class: 'cache_write_1h' })) - tokensBefore, 4_500);
});

// ---------------------------------------------------------------- 3. key totals with every token class

test('GET /admin/keys and /admin/keys/:id show every token class, equal to what the upstreams reported', async () => {
  const { id, key } = await newKey('billing-classes');
  const gptBody = openaiCompletion('gpt-4o', {
    prompt_tokens: 1_000,
    completion_tokens: 100,
    total_tokens: 1_100,
    prompt_tokens_details: { cached_tokens: 400 },
  });
  const claudeBody = anthropicMessage('claude-sonnet-4-20250514', {
    input_tokens: 100,
    cache_read_input_tokens: 3_000,
    cache_creation_input_tokens: 2_000,
    output_tokens: 50,
    cache_creation: { ephemeral_5m_input_tokens: 2_000, ephemeral_1h_input_tokens: 0 },
  });
  openaiUp.respond({ json: gptBody });
  anthropicUp.respond({ json: claudeBody });
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
  await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  const anthropic = new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 });
  await anthropic.messages.create({ model: 'claude-sonnet-4-20250514', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
  await admin('/logs?limit=1'); // waits for settlement

  // genai-prices' input_tokens is every input token; Switchyard's input is the uncached part.
  const g = extractUsage(findProvider({ providerId: 'openai' })!, gptBody, 'chat').usage;
  const c = extractUsage(findProvider({ providerId: 'anthropic' })!, claudeBody).usage;
  const cacheRead = (g.cache_read_tokens ?? 0) + (c.cache_read_tokens ?? 0);
  const cacheWrite = (g.cache_write_tokens ?? 0) + (c.cache_write_tokens ?? 0);
  const want = {
    requests: 2,
    input_tokens: g.input_tokens! + c.input_tokens! - cacheRead - cacheWrite,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    cache_write_1h_tokens: (g.cache_write_1h_tokens ?? 0) + (c.cache_write_1h_tokens ?? 0),
    output_tokens: g.output_tokens! + c.output_tokens!,
    unpriced_requests: 0,
  };
  const spend = expectedUsd('openai', 'gpt-4o', gptBody, 'chat')! + expectedUsd('anthropic', 'claude-sonnet-4-20250514', claudeBody)!;
  for (const [where, usage] of [
    ['/admin/keys/:id', (await admin(`/keys/${id}`)).usage],
    ['/admin/keys', ((await admin('/keys')).data as any[]).find((k) => k.id === id).usage],
  ] as const) {
    const { spend_usd, ...tokens } = usage;
    assert.deepEqual(tokens, want, where);
    close(spend_usd, spend, `${where} spend`);
  }
  const group = (await admin('/usage?group_by=key&window=1h')).data.find((x: any) => x.group === id);
  assert.deepEqual(
    [group.inputTokens, group.cacheReadTokens, group.cacheWriteTokens, group.outputTokens],
    [want.input_tokens, want.cache_read_tokens, want.cache_write_tokens, want.output_tokens],
  );
});

// ---------------------------------------------------------------- 4. unpriced spend is marked

test('a spend that leaves out unpriced requests says how many, wherever it is shown', async () => {
  const { id, key } = await newKey('billing-unpriced');
  const priced = openaiCompletion('gpt-4o', { prompt_tokens: 200, completion_tokens: 20, total_tokens: 220 });
  const unpriced = openaiCompletion('house-model-unpriced', { prompt_tokens: 300, completion_tokens: 30, total_tokens: 330 });
  assert.equal(expectedUsd('openai', 'house-model-unpriced', unpriced, 'chat'), null, 'genai-prices has no price for it either');
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
  const unknownBefore = await counter('switchyard_cost_unknown_total', { provider: 'openai', model: 'house-model-unpriced' });
  openaiUp.respond({ json: priced });
  await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a' }] });
  openaiUp.respond({ json: unpriced });
  const { response } = await openai.chat.completions.create({ model: 'house-model-unpriced', messages: [{ role: 'user', content: 'b' }] }).withResponse();
  assert.equal(response.headers.get('x-switchyard-cost-usd'), null, 'no cost header when the cost is unknown');
  const row = await admin(`/logs/${requestIdOf(response.headers)}`);
  assert.equal(row.costUsd, null);
  assert.match(row.costReason, /no price/);

  const spend = expectedUsd('openai', 'gpt-4o', priced, 'chat')!;
  const group = (await admin('/usage?group_by=key&window=1h')).data.find((g: any) => g.group === id);
  assert.equal(group.unpricedRequests, 1);
  close(group.spendUsd, spend, '/admin/usage spend');
  for (const [where, usage] of [
    ['/admin/keys/:id', (await admin(`/keys/${id}`)).usage],
    ['/admin/keys', ((await admin('/keys')).data as any[]).find((k) => k.id === id).usage],
  ] as const) {
    assert.equal(usage.unpriced_requests, 1, `${where}: the unpriced request is counted beside the spend`);
    close(usage.spend_usd, spend, `${where} spend`);
  }
  assert.equal((await counter('switchyard_cost_unknown_total', { provider: 'openai', model: 'house-model-unpriced' })) - unknownBefore, 1);
});
