/**
 * Wherever the console shows a spend, requests without a known price are counted beside it
 * (they are not in the figure, and never shown as free): dashboard totals and key cards, the
 * keys list, the usage page.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import type { Browser } from 'playwright-core';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { hasChromium, launch, openPage, signIn } from './browser.js';

const ADMIN = 'console-unpriced-token-0123456789abc';
let gw: RunningGateway;
let browser: Browser;

before(async () => {
  if (!hasChromium) return;
  gw = await startGateway({
    config: {
      admin: { token: ADMIN },
      auth: { required: true },
      storage: { sqlite_path: ':memory:' },
      ai_gateway: {
        providers: [
          {
            name: 'priced',
            type: 'simulated',
            models: ['sim-priced'],
            latency_ms: 1,
            tokens_per_second: 0,
            cost: { input_per_1k: 0.001, output_per_1k: 0.002 },
          },
          { name: 'unpriced', type: 'simulated', models: ['sim-unpriced'], latency_ms: 1, tokens_per_second: 0 },
        ],
      },
    },
  });
  const res = await fetch(`${gw.url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'mixed-key' }),
  });
  const { key } = (await res.json()) as { key: string };
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
  await openai.chat.completions.create({ model: 'sim-priced', messages: [{ role: 'user', content: 'priced' }] });
  for (let i = 0; i < 2; i++) await openai.chat.completions.create({ model: 'sim-unpriced', messages: [{ role: 'user', content: 'unpriced' }] });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await gw?.close();
});

test('every spend in the console says how many unpriced requests it leaves out', { skip: !hasChromium && 'chromium is not installed' }, async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page, `${gw.url}/console`, ADMIN);
  await page.locator('[data-stat="spend"]').getByText('+ 2 unpriced').waitFor();
  await page.locator('.key-card', { hasText: 'mixed-key' }).getByText('+ 2 unpriced').waitFor();

  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'API keys', exact: true }).click();
  const row = page.locator('tr', { hasText: 'mixed-key' });
  await row.getByText('+ 2 unpriced').waitFor();
  assert.match((await row.locator('.unpriced').getAttribute('title')) ?? '', /2 unpriced requests not in this figure/);

  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Usage', exact: true }).click();
  await page.locator('.stat', { hasText: 'Spend' }).getByText('+ 2 unpriced').waitFor();
  await page.locator('tbody tr', { hasText: 'mixed-key' }).getByText('+ 2 unpriced').waitFor();
  assert.deepEqual(problems, []);
});
