/**
 * Token budget modes through the composed gateway: a 5,000-token key sending requests with
 * `max_tokens: 4000` that each really use 1,500 tokens. The upstream holds every answer until the
 * test releases it, so the requests are in flight together.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { startGateway, type RunningGateway } from './support/gateway.js';

const ADMIN = 'admin-token-for-budgets-0123456789';
const USED = { prompt_tokens: 20, completion_tokens: 1_480, total_tokens: 1_500 };

/** An OpenAI upstream that answers only when released; counts what it received. */
function holdingUpstream() {
  const held: Array<() => void> = [];
  let waiters: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      held.push(() =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: 'chatcmpl-held',
            object: 'chat.completion',
            created: 1_700_000_000,
            model: 'gpt-4o',
            choices: [{ index: 0, message: { role: 'assistant', content: 'done' }, finish_reason: 'stop', logprobs: null }],
            usage: USED,
          }),
        ),
      );
      for (const w of waiters.splice(0)) w();
    });
  });
  return {
    server,
    /** Resolves once `n` requests are being held. */
    async holding(n: number): Promise<void> {
      while (held.length < n) await new Promise<void>((r) => waiters.push(r));
    },
    releaseAll(): void {
      for (const answer of held.splice(0)) answer();
    },
    close(): Promise<void> {
      waiters = [];
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

let upstream: ReturnType<typeof holdingUpstream>;
let gw: RunningGateway;

before(async () => {
  upstream = holdingUpstream();
  await new Promise<void>((r) => upstream.server.listen(0, '127.0.0.1', r));
  const { port } = upstream.server.address() as AddressInfo;
  gw = await startGateway({
    config: {
      admin: { token: ADMIN },
      auth: { required: true },
      storage: { sqlite_path: ':memory:' },
      ai_gateway: { providers: [{ name: 'openai', type: 'openai', base_url: `http://127.0.0.1:${port}/v1`, api_key: 'sk-budget', models: ['gpt-4o'] }] },
    },
  });
});
after(async () => {
  await gw?.close();
  await upstream?.close();
});

interface BudgetKey {
  client: OpenAI;
  /** Resolves once the key's window holds `tokens` (settlement runs just after the response). */
  settledAt(tokens: number): Promise<void>;
}

const createKey = (name: string, limits: Record<string, unknown>) =>
  fetch(`${gw.url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, limits }),
  });

async function keyWith(limits: Record<string, unknown>): Promise<BudgetKey> {
  const res = await createKey(`budget-${String(limits.budget_mode ?? 'default')}`, { total_tokens_per_hour: 5_000, ...limits });
  assert.equal(res.status, 201, await res.clone().text());
  const { key, id } = (await res.json()) as { key: string; id: string };
  return {
    client: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 }),
    async settledAt(tokens) {
      for (let i = 0; i < 500; i++) {
        const limitsView = (await (await fetch(`${gw.url}/admin/keys/${id}/limits`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as {
          usage: { totalTokens: number; concurrent: number };
        };
        if (limitsView.usage.totalTokens === tokens) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.fail(`the key's window never held ${tokens} tokens`);
    },
  };
}

const ask = (client: OpenAI) =>
  client.chat.completions.create({ model: 'gpt-4o', max_tokens: 4_000, messages: [{ role: 'user', content: 'use 1500 tokens' }] });

/** Whether a request is refused with a 429 right away (the upstream is never reached). */
async function refused(client: OpenAI): Promise<boolean> {
  try {
    await ask(client);
    return false;
  } catch (err) {
    if (err instanceof OpenAI.RateLimitError) return true;
    throw err;
  }
}

/**
 * Run `n` requests at once: when the upstream holds them all, run `meanwhile`, then let them
 * answer and wait until the key's window has settled at `settled` tokens.
 */
async function together(key: BudgetKey, n: number, settled: number, meanwhile?: () => Promise<void>): Promise<void> {
  const started = Array.from({ length: n }, () => ask(key.client));
  await upstream.holding(n);
  await meanwhile?.();
  upstream.releaseAll();
  await Promise.all(started);
  await key.settledAt(settled);
}

test('strict (the default): max_tokens is held in full, so a second request waits for the first', async () => {
  const key = await keyWith({});
  await together(key, 1, 1_500, async () => assert.equal(await refused(key.client), true, '4,000 + 4,000 do not fit in 5,000'));
});

test('capped (per key): a second request holds what the budget has left and runs beside the first', async () => {
  const key = await keyWith({ budget_mode: 'capped' });
  await together(key, 2, 3_000, async () => assert.equal(await refused(key.client), true, 'the budget is fully held: a third has no room'));
  // Settled at what they used (2 × 1,500): room again.
  await together(key, 1, 4_500);
});

test('soft (per key): requests are admitted while usage is under the limit, refused once it is reached', async () => {
  const key = await keyWith({ budget_mode: 'soft' });
  await together(key, 4, 6_000);
  // 4 × 1,500 = 6,000 used: over the limit (the overspend soft allows), so the next is refused.
  assert.equal(await refused(key.client), true);
});

test('the budget mode is shown with the key and a bad one is refused', async () => {
  assert.equal((await createKey('bad-mode', { budget_mode: 'loose' })).status, 400);
  const ok = (await (await createKey('capped-key', { total_tokens_per_hour: 10, budget_mode: 'capped' })).json()) as { limits: Record<string, unknown> };
  assert.deepEqual(ok.limits, { total_tokens_per_hour: 10, budget_mode: 'capped' });
});
