/**
 * The console mounted in an existing Express app (like bull-board): the app's own routes, the
 * AI routes under /ai, the console under /ops/console talking to the admin API mounted in
 * Express too. Driven in a real browser.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import express from 'express';
import OpenAI from 'openai';
import type { Browser } from 'playwright-core';
import { expressRoutes } from '@switchyard/core/express';
import { adminRoutes, createSwitchyard, type Switchyard } from '@switchyard/gateway';
import { expressConsole } from '@switchyard/console/express';
import { listen } from '../gateway/helpers.js';
import { hasChromium, launch, openPage, shoot, signIn } from './browser.js';

const ADMIN = 'express-console-token-0123456789abcdef';
let switchyard: Switchyard;
let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;

before(async () => {
  if (!hasChromium) return;
  switchyard = await createSwitchyard({
    config: {
      auth: { required: true },
      storage: { sqlite_path: ':memory:' },
      ai_gateway: { providers: [{ name: 'sim', type: 'simulated', models: ['sim-1'], latency_ms: 1, tokens_per_second: 0 }] },
    },
  });
  const adminApp = express().use(expressRoutes(adminRoutes(switchyard.stack)));
  const app = express();
  app.get('/api/own', (_req, res) => void res.json({ app: 'express' }));
  app.use('/ops/console', expressConsole({ adminToken: ADMIN, admin: adminApp, apiBase: '/ai/v1' }));
  app.use('/ai', switchyard.express());
  server = await listen(app);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
  await switchyard?.close();
});

test('an Express-mounted console signs in, creates a key, and shows its request', { skip: !hasChromium && 'chromium is not installed' }, async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page, `${server.url}/ops/console`, ADMIN);
  const cookies = await page.context().cookies();
  assert.equal(cookies.length, 1);
  assert.equal(cookies[0]!.path, '/ops/console');
  assert.equal(cookies[0]!.httpOnly, true);
  assert.equal(cookies[0]!.sameSite, 'Strict');
  assert.equal(await page.locator('[data-endpoint="openai"]').innerText(), `${server.url}/ai/v1`);

  await page.getByRole('link', { name: 'Create a key' }).click();
  const create = page.getByRole('dialog', { name: 'Create an API key' });
  await create.getByLabel('Name').fill('express-key');
  await create.getByLabel('Requests per minute').fill('30');
  await create.getByRole('button', { name: 'Create key' }).click();
  const secret = await page.getByRole('dialog', { name: 'Your new API key' }).getByLabel('Secret key for express-key').inputValue();
  await page.getByRole('button', { name: 'I have saved it' }).click();
  await page.locator('tr', { hasText: 'express-key' }).waitFor();

  const openai = new OpenAI({ baseURL: `${server.url}/ai/v1`, apiKey: secret, maxRetries: 0 });
  await openai.chat.completions.create({ model: 'sim-1', messages: [{ role: 'user', content: 'from express' }] });
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Request logs' }).click();
  await page.locator('tr', { hasText: 'express-key' }).locator('.path', { hasText: 'sim/sim-1 ✓' }).waitFor();
  await shoot(page, 'express-request-logs');
  assert.deepEqual(await (await fetch(`${server.url}/api/own`)).json(), { app: 'express' }, 'the app keeps its own routes');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Admin token').waitFor();
  assert.equal((await fetch(`${server.url}/ops/console/api/admin/keys`)).status, 401);
  assert.deepEqual(problems, []);
});
