/**
 * Each console page's main action in a real browser against a real gateway: dashboard
 * periods, playground streaming and "copy as curl", model search / snapshot grouping /
 * disable, usage charts and CSV, live provider status, key limits / split / BYOK, and the
 * layout at 360 px with keyboard-only sign-in. Screenshots of every page are saved.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { hasChromium, holdRequests, launch, openPage, shoot, signIn, waitForCount, waitForUrl } from './browser.js';

const ADMIN = 'console-pages-token-0123456789abcdef';
const skip = !hasChromium && 'chromium is not installed';
let gw: RunningGateway;
let browser: Browser;
let key: { id: string; key: string };

const admin = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${gw.url}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as any;
};
const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true }).click();

before(async () => {
  if (!hasChromium) return;
  gw = await startGateway({
    config: {
      admin: { token: ADMIN },
      auth: { required: true, master_key: Buffer.alloc(32, 7).toString('base64') },
      storage: { sqlite_path: ':memory:' },
      ai_gateway: {
        providers: [
          {
            name: 'sim-a',
            type: 'simulated',
            models: ['sim-1', 'snap', 'snap-2024-08-06', 'snap-2025-01-15'],
            latency_ms: 1,
            tokens_per_second: 0,
            cost: { input_per_1k: 0.001, output_per_1k: 0.002 },
          },
          { name: 'sim-b', type: 'simulated', models: ['sim-1', 'sim-2'], latency_ms: 1, tokens_per_second: 0 },
          { name: 'sim-flaky', type: 'simulated', models: ['flaky-1'], error_rate: 1, latency_ms: 1, tokens_per_second: 0 },
        ],
      },
    },
  });
  key = await admin('POST', '/keys', { name: 'pages-key', limits: { requests_per_minute: 100, total_tokens_per_hour: 100000 } });
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key.key, maxRetries: 0 });
  for (let i = 0; i < 3; i++) await openai.chat.completions.create({ model: 'sim-1', messages: [{ role: 'user', content: `hello ${i}` }] });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await gw?.close();
});

describe('console pages', { skip }, () => {
  let page: Page;
  let problems: string[];
  before(async () => {
    if (!hasChromium) return;
    ({ page, problems } = await openPage(browser));
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw.url });
    await signIn(page, `${gw.url}/console`, ADMIN);
  });
  after(() => assert.deepEqual(problems ?? [], [], 'no CSP violation or script error on any page'));

  test('dashboard: totals per period, a card per key, provider health', async () => {
    await page.locator('[data-stat="requests"]').getByText('3', { exact: true }).waitFor();
    await page.getByLabel('Period').selectOption('30d');
    await page.locator('[data-stat="requests"]').getByText('3', { exact: true }).waitFor();
    await page.locator('.key-card', { hasText: 'pages-key' }).getByText('3 requests').waitFor();
    for (const name of ['sim-a', 'sim-b', 'sim-flaky']) await page.locator('.chips li', { hasText: name }).waitFor();
    await page.getByRole('tab', { name: 'OpenAI SDK' }).click();
    await page.getByText(`baseURL: "${gw.url}/v1"`).waitFor();
    await shoot(page, 'dashboard-with-traffic');
  });

  test('playground: streams an answer and shows provider, attempts, tokens, cost; copies the request as curl', async () => {
    await nav(page, 'Playground');
    await page.getByLabel('API key').fill(key.key);
    await page.getByLabel('Model').selectOption('sim-2');
    await page.getByLabel('System').fill('Be brief.');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('[data-served-by]').getByText('sim-b / sim-2').waitFor();
    assert.match(await page.locator('.answer').innerText(), /Simulated response from sim-b\/sim-2/);
    assert.match(await page.locator('.facts').innerText(), /sim-b\/sim-2 ✓[\s\S]*\d+ in · \d+ out/);
    await page.getByText('Copy as…').click();
    await page.getByRole('button', { name: 'Copy as curl' }).click();
    const copied = (await page.evaluate('navigator.clipboard.readText()')) as string;
    assert.match(copied, new RegExp(`^curl ${gw.url}/v1/chat/completions`));
    assert.match(copied, /"model":"sim-2"/);
    assert.ok(!copied.includes(key.key), 'the copied request carries a placeholder, not the key');
    await shoot(page, 'playground');
  });

  test('models: search as you type, snapshots grouped newest first, disable a model', async () => {
    await nav(page, 'Models');
    await page.locator('tr[data-model="sim-b/sim-2"]').waitFor();
    const names = () => page.locator('tbody th').allInnerTexts();
    assert.deepEqual(
      (await names()).filter((n) => n.includes('snap')),
      ['snap', '↳ snap-2025-01-15', '↳ snap-2024-08-06'],
    );
    await shoot(page, 'models');
    await page.getByLabel('Search').fill('sim-2');
    assert.deepEqual(await names(), ['sim-2']);
    await page.getByRole('button', { name: 'Disable sim-2 on sim-b' }).click();
    await page.getByRole('button', { name: 'Enable sim-2 on sim-b' }).waitFor();
    assert.equal((await admin('GET', '/models/sim-b/sim-2')).enabled, false);
    await page.getByRole('button', { name: 'Enable sim-2 on sim-b' }).click();
    await page.getByRole('button', { name: 'Disable sim-2 on sim-b' }).waitFor();
    assert.equal((await admin('GET', '/models/sim-b/sim-2')).enabled, true);

    // The detail dialog overrides prices (USD per million tokens).
    await page.getByRole('button', { name: 'sim-2', exact: true }).click();
    const detail = page.getByRole('dialog', { name: 'sim-2 on sim-b' });
    await detail.getByLabel('Input').fill('0.5');
    await detail.getByLabel('Output').fill('1.5');
    await detail.getByRole('button', { name: 'Save prices' }).click();
    await page.locator('tr[data-model="sim-b/sim-2"]').getByText('$1.50').waitFor();
    assert.deepEqual(
      [(await admin('GET', '/models/sim-b/sim-2')).prices_per_1m.input, (await admin('GET', '/models/sim-b/sim-2')).prices_per_1m.output],
      [0.5, 1.5],
    );
  });

  test('usage: charts and table by key from one time-series query, CSV export', async () => {
    const usageQueries: string[] = [];
    const seen = (req: { url(): string }) => {
      if (req.url().includes('/api/admin/usage')) usageQueries.push(new URL(req.url()).search);
    };
    page.on('request', seen);
    await nav(page, 'Usage');
    await page.locator('figure.chart svg').first().waitFor();
    await page.locator('tbody tr', { hasText: 'pages-key' }).waitFor();
    assert.deepEqual(usageQueries, ['?group_by=key&window=7d&bucket=6h'], 'one request for the charts, the totals and the table');
    // The requests of the last minutes are in the last bar of the tokens chart (their spend may
    // be 0: sim-b has no price): its tooltip names the key.
    await page.locator('figure.chart').nth(1).locator('g').last().locator('rect title', { hasText: 'pages-key' }).waitFor({ state: 'attached' });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    assert.equal(csv[0], 'key,requests,failed_requests,input_tokens,output_tokens,cache_read_tokens,spend_usd,unpriced_requests');
    const unpriced = (await admin('GET', '/usage?group_by=key&window=24h')).data.find((g: any) => g.name === 'pages-key').unpricedRequests;
    assert.match(
      csv.find((l) => l.startsWith('pages-key,'))!,
      new RegExp(`^pages-key,4,0,\\d+,\\d+,0,[\\d.e-]+,${unpriced}$`),
    );
    await shoot(page, 'usage');
    await page.getByLabel('Group by').selectOption('provider');
    await page.locator('tbody tr', { hasText: 'sim-b' }).waitFor();
    await page.getByRole('combobox', { name: /^Period/ }).selectOption('24h');
    await page.locator('figure.chart svg[aria-label*="over 25 periods"], figure.chart svg[aria-label*="over 24 periods"]').first().waitFor();
    page.off('request', seen);
    assert.deepEqual(usageQueries.slice(1), ['?group_by=provider&window=7d&bucket=6h', '?group_by=provider&window=24h&bucket=1h']);
  });

  test('providers: status changes arrive live from the status stream', async () => {
    await nav(page, 'Providers');
    await page.getByRole('status').getByText('Live').waitFor();
    const flaky = page.locator('tr[data-provider="sim-flaky"] td').first();
    assert.equal(await flaky.innerText(), 'healthy');
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key.key, maxRetries: 0 });
    for (let i = 0; i < 8; i++) await openai.chat.completions.create({ model: 'flaky-1', messages: [{ role: 'user', content: 'x' }] }).catch(() => {});
    await flaky.locator('.badge', { hasText: /^(degraded|down)$/ }).waitFor();
    assert.match(await flaky.innerText(), /^(degraded|down)$/);
    await page.getByRole('heading', { name: 'Recent changes' }).waitFor();
    await shoot(page, 'providers');
  });

  test('key detail: limits with live usage, a traffic split in percent, a write-only BYOK credential', async () => {
    // The meter shows the rolling minute: requests made here, not the suite's earlier ones (a busy
    // machine can take over a minute to get this far).
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key.key, maxRetries: 0 });
    for (let i = 0; i < 4; i++) await client.chat.completions.create({ model: 'sim-1', messages: [{ role: 'user', content: `meter ${i}` }] });
    // The key's recent requests arrive after a limit is typed: their re-render keeps what was typed.
    const recent = await holdRequests(page, /\/api\/admin\/logs\?key=/);
    await page.goto(`${gw.url}/console/#/keys/${key.id}`);
    await page.getByRole('heading', { level: 1, name: 'pages-key' }).waitFor();
    const rpm = page.getByRole('meter', { name: 'Requests per minute' });
    assert.equal(await rpm.getAttribute('aria-valuemax'), '100');
    // The usage arrives in its own request after the heading: wait for it, not for the first render.
    for (let i = 0; i < 100 && !(Number(await rpm.getAttribute('aria-valuenow')) >= 4); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(Number(await rpm.getAttribute('aria-valuenow')) >= 4);
    await page.getByRole('spinbutton', { name: 'Concurrent requests' }).fill('3');
    assert.equal(recent.held(), 1, "the key's recent requests were still loading");
    await recent.release();
    await page.locator('table.logs tbody tr').first().waitFor();
    await page.getByRole('button', { name: 'Save limits' }).click();
    await page.getByText('Limits saved.').waitFor();
    assert.equal((await admin('GET', `/keys/${key.id}`)).limits.concurrent_requests, 3);

    await page.getByLabel('Traffic split').check();
    await page.getByLabel('Target 1', { exact: true }).selectOption('sim-a/sim-1');
    await page.getByLabel('Weight').first().fill('3');
    await page.getByRole('button', { name: 'Add a target' }).click();
    await page.getByLabel('Target 2', { exact: true }).selectOption('sim-b/sim-1');
    await page.getByText('Split: sim-1 75% · sim-1 25%').waitFor();
    await page.getByRole('button', { name: 'Save routing' }).click();
    await page.getByText('Routing saved.').waitFor();
    const routing = (await admin('GET', `/keys/${key.id}/routing`)).routing;
    assert.equal(routing.strategy, 'weighted');
    assert.deepEqual(
      routing.targets.map((t: any) => [t.provider, t.weight]),
      [
        ['sim-a', 3],
        ['sim-b', 1],
      ],
    );

    // Advanced rules, one row per rule: a header condition routes to its own target, the rest to the default.
    await page.getByLabel('Advanced rules').check();
    await page.getByRole('button', { name: 'Add a rule' }).click();
    await page.getByLabel('Rule 1 name').fill('gold');
    await page.getByLabel('Rule 1 when').selectOption('header');
    await page.getByLabel('Rule 1 header name').fill('x-tier');
    await page.getByLabel('Rule 1 test').selectOption('eq');
    await page.getByLabel('Rule 1 value').fill('gold');
    await page.getByLabel('Rule 1 routes to').selectOption('sim-b/sim-2');
    await page.getByLabel('Otherwise route to').selectOption('sim-a/sim-1');
    await page.getByRole('button', { name: 'Save routing' }).click();
    await page.getByText('Routing saved.').waitFor();
    assert.deepEqual((await admin('GET', `/keys/${key.id}/routing`)).routing, {
      active: true,
      strategy: 'rules',
      rules: [{ name: 'gold', when: { field: 'header.x-tier', op: 'eq', value: 'gold' }, targets: [{ provider: 'sim-b', model: 'sim-2' }] }],
      default: { targets: [{ provider: 'sim-a', model: 'sim-1' }] },
    });
    await shoot(page, 'key-detail-rules');
    await page.getByLabel('Edit as JSON').check();
    assert.match(await page.getByLabel('Rules and default (JSON)').inputValue(), /"field": "header.x-tier"/);
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key.key, maxRetries: 0 });
    const served = async (headers: Record<string, string>) =>
      (
        await openai.chat.completions.create({ model: 'sim-1', messages: [{ role: 'user', content: 'rules' }] }, { headers }).withResponse()
      ).response.headers.get('x-switchyard-provider');
    assert.equal(await served({ 'x-tier': 'gold' }), 'sim-b');
    assert.equal(await served({}), 'sim-a');

    await page.getByLabel('Provider', { exact: true }).fill('sim-a');
    await page.getByLabel('API key', { exact: true }).fill('sk-byok-secret-WXYZ');
    await page.getByRole('button', { name: 'Set or replace' }).click();
    await page.getByText('Credential for sim-a saved.').waitFor();
    await page.locator('li', { hasText: 'sim-a' }).getByText('WXYZ', { exact: false }).waitFor();
    assert.ok(!(await page.content()).includes('sk-byok-secret-WXYZ'), 'the secret is not shown back');
    await shoot(page, 'key-detail-split-byok');
    await page.getByRole('button', { name: 'Remove the sim-a credential' }).click();
    await page.getByText('None: requests use the gateway').waitFor();
  });
  test('request logs: filters live in the URL and paging follows the server cursor', async () => {
    const logsKey = await admin('POST', '/keys', { name: 'logs-key' });
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: logsKey.key, maxRetries: 0 });
    for (let i = 0; i < 55; i++) await openai.chat.completions.create({ model: 'sim-2', messages: [{ role: 'user', content: `page ${i}` }] });
    // Rows reach the log in batches: start once all 55 are stored, so each page's size is known.
    for (let i = 0; i < 100; i++) {
      if ((await admin('GET', `/logs?key=${logsKey.id}&limit=100`)).data.length === 55) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The provider list arrives after the user has chosen a key: its re-render keeps the choice.
    const providers = await holdRequests(page, /\/api\/admin\/providers$/);
    await nav(page, 'Request logs');
    const filters = page.getByRole('form', { name: 'Filter requests' });
    await filters.getByLabel('Key').selectOption(logsKey.id);
    await filters.getByLabel('Status').fill('200');
    assert.equal(providers.held(), 1, 'the provider list was still loading');
    await providers.release();
    await filters.getByLabel('Provider').locator('option', { hasText: 'sim-a' }).waitFor({ state: 'attached' });
    // A page keeps showing its last rows while the next ones load: act on the filtered answer
    // itself, never on rows still on screen from before.
    const logsPage = (paged: boolean) =>
      page.waitForResponse((r) => {
        const url = new URL(r.url());
        return url.pathname.endsWith('/api/admin/logs') && url.searchParams.get('key') === logsKey.id && url.searchParams.has('cursor') === paged;
      });
    const first = logsPage(false);
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await waitForUrl(page, new RegExp(`#/logs\\?key=${logsKey.id}&status=200$`));
    assert.equal(((await (await first).json()) as { data: unknown[] }).data.length, 50);
    const rows = page.locator('table.logs tbody tr');
    await page.getByText('Page 1').waitFor();
    await waitForCount(rows, 50);
    assert.deepEqual([...new Set(await rows.locator('td:nth-child(2)').allInnerTexts())], ['logs-key']);
    const second = logsPage(true);
    await page.getByRole('button', { name: 'Older' }).click();
    assert.equal(((await (await second).json()) as { data: unknown[] }).data.length, 5);
    await page.getByText('Page 2').waitFor();
    await waitForCount(rows, 5);
    assert.equal(await page.getByRole('button', { name: 'Older' }).isDisabled(), true, 'the last page has no next cursor');
    await page.getByRole('button', { name: 'Newer' }).click();
    await waitForCount(rows, 50);
    await page.getByRole('link', { name: 'Clear' }).click();
    await waitForUrl(page, /#\/logs$/);
  });

  test('API keys: search and sort', async () => {
    await nav(page, 'API keys');
    const names = () => page.locator('tbody th').allInnerTexts();
    // The request-log rows of the previous test also name logs-key: wait for the keys page itself.
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    await page.locator('tbody th', { hasText: 'logs-key' }).waitFor();
    await page.getByLabel('Sort by').selectOption('requests');
    assert.deepEqual(await names(), ['logs-key', 'pages-key']);
    await page.getByLabel('Sort by').selectOption('name');
    assert.deepEqual(await names(), ['logs-key', 'pages-key']);
    await page.getByLabel('Search').fill('PAGES');
    assert.deepEqual(await names(), ['pages-key']);
    await page.getByLabel('Search').fill('nothing-like-this');
    await page.getByText('No key matches.').waitFor();
  });
});

test('at 360 px every page fits the width, and sign-in works with the keyboard alone', { skip }, async () => {
  const { page, problems } = await openPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true });
  await page.goto(`${gw.url}/console/`);
  await page.getByLabel('Admin token').waitFor();
  assert.equal(await page.evaluate('document.activeElement?.id'), 'admin-token', 'the token field has focus');
  await page.keyboard.type(ADMIN);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  const pages: [string, string][] = [
    ['', 'Dashboard'],
    ['keys', 'API keys'],
    [`keys/${key.id}`, 'pages-key'],
    ['logs', 'Request logs'],
    ['playground', 'Playground'],
    ['models', 'Models'],
    ['usage', 'Usage'],
    ['providers', 'Providers'],
  ];
  for (const [hash, title] of pages) {
    await page.goto(`${gw.url}/console/#/${hash}`);
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
    await page.waitForLoadState('networkidle').catch(() => {});
    const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
    assert.ok(width <= 360, `${title} is ${width}px wide at 360px`);
    await shoot(page, `mobile-${title.toLowerCase().replace(/\W+/g, '-')}`);
  }
  assert.deepEqual(problems, []);
});
