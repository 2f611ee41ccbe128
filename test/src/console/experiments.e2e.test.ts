/**
 * The console's experiment pages in a real browser against a real gateway with simulated
 * providers: the list of A/B tests and canaries with their state and the quality ratings; an A/B
 * test's figures, significance and verdict (a winner only when significant), declared, started
 * again and stopped; a new test started from the page; a canary passed a step, promoted and
 * rolled back, with its history. Screenshots are saved.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { hasChromium, launch, openPage, shoot, signIn, waitForCount, waitForUrl } from './browser.js';

const ADMIN = 'console-experiments-token-0123456789';
const skip = !hasChromium && 'chromium is not installed';
let gw: RunningGateway;
let browser: Browser;

const admin = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${gw.url}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as any;
};

before(async () => {
  if (!hasChromium) return;
  const cost = { input_per_1k: 0.001, output_per_1k: 0.002 };
  gw = await startGateway({
    config: {
      admin: { token: ADMIN },
      auth: { required: true, master_key: Buffer.alloc(32, 5).toString('base64') },
      storage: { sqlite_path: ':memory:' },
      experiments: {
        enabled: true,
        tests: {
          'steady-vs-broken': {
            description: 'Does the broken provider lose?',
            match: { models: ['sim-ab'] },
            arms: [
              { name: 'steady', provider: 'sim-steady', model: 'sim-ab', share: 1 },
              { name: 'broken', provider: 'sim-broken', model: 'sim-ab', share: 1 },
            ],
            min_samples: 10,
          },
        },
        canaries: {
          'new-model': {
            models: ['sim-canary'],
            baseline: { provider: 'sim-steady', model: 'sim-canary' },
            candidate: { provider: 'sim-fast', model: 'sim-canary' },
            steps: [10, 50, 100],
            step_duration: '1h',
            min_samples: 500,
            criteria: { max_error_rate: 0.05, max_p95_latency_ms: 2000, quality_margin: 0.1 },
          },
        },
      },
      ai_gateway: {
        providers: [
          { name: 'sim-steady', type: 'simulated', models: ['sim-ab', 'sim-canary'], latency_ms: 5, tokens_per_second: 0, cost },
          { name: 'sim-broken', type: 'simulated', models: ['sim-ab'], latency_ms: 1, tokens_per_second: 0, error_rate: 1, cost },
          { name: 'sim-fast', type: 'simulated', models: ['sim-canary'], latency_ms: 1, tokens_per_second: 0, cost },
        ],
      },
    },
  });
  const key = await admin('POST', '/keys', { name: 'experiments-key' });
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key.key, maxRetries: 0 });
  const rate = (id: string, score: number) =>
    fetch(`${gw.url}/v1/feedback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ request_id: id, score }),
    });
  for (let i = 0; i < 40; i++) {
    try {
      const { response } = await openai.chat.completions
        .create({ model: 'sim-ab', user: `user-${i}`, messages: [{ role: 'user', content: `question ${i}` }] })
        .withResponse();
      await rate(response.headers.get('x-request-id')!, 0.6 + (i % 4) / 10);
    } catch {
      // the broken arm fails: that is the point
    }
  }
  for (let i = 0; i < 6; i++) {
    const { response } = await openai.chat.completions.create({ model: 'sim-canary', messages: [{ role: 'user', content: `canary ${i}` }] }).withResponse();
    await rate(response.headers.get('x-request-id')!, 0.9);
  }
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await gw?.close();
});

describe('console experiments', { skip }, () => {
  let page: Page;
  let problems: string[];
  before(async () => {
    if (!hasChromium) return;
    ({ page, problems } = await openPage(browser));
    await signIn(page, `${gw.url}/console`, ADMIN);
  });
  after(() => assert.deepEqual(problems ?? [], [], 'no CSP violation or script error'));

  test('the list shows A/B tests and canaries with their state, and quality per provider/model/category', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Experiments', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Experiments' }).waitFor();
    const ab = page.locator('tr[data-experiment="steady-vs-broken"]');
    await ab.getByText('Winner: steady').waitFor();
    await ab.locator('.badge', { hasText: 'running' }).waitFor();
    assert.match((await ab.locator('td.num').textContent())!, /^40$/);
    const canary = page.locator('tr[data-canary="new-model"]');
    await canary.locator('.badge', { hasText: 'ramping' }).waitFor();
    await canary.getByText('1 of 3').waitFor();
    await canary.getByText('10%').waitFor();
    const quality = page.locator('tr[data-quality="sim-steady/sim-ab/"]');
    await quality.waitFor();
    const [count, mean] = await quality.locator('td.num').allTextContents();
    const served = (await admin('GET', '/experiments/steady-vs-broken')).arms[0];
    assert.deepEqual([Number(count), mean], [served.qualityRatings, served.qualityMean.toFixed(3)]);
    await page.locator('tr[data-quality="sim-fast/sim-canary/"], tr[data-quality="sim-steady/sim-canary/"]').first().waitFor();
    await shoot(page, 'experiments');
  });

  test("an A/B test's page: per-arm figures, significance per metric, and the winner because it is significant", async () => {
    await page.locator('tr[data-experiment="steady-vs-broken"]').getByRole('link', { name: 'steady-vs-broken' }).click();
    await waitForUrl(page, /#\/experiments\/ab\/steady-vs-broken$/);
    await page.getByRole('heading', { level: 1, name: 'steady-vs-broken' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Winner: steady' }).waitFor();
    const report = await admin('GET', '/experiments/steady-vs-broken');
    const rate = report.comparisons.find((c: any) => c.metric === 'success_rate');
    await page
      .locator('.verdict')
      .getByText(`p ${rate.pValue < 0.0001 ? '< 0.0001' : `= ${rate.pValue.toFixed(4)}`}, two-proportion z-test`)
      .waitFor();
    const steady = page.locator('tr[data-arm="steady"]').first();
    await steady.getByText('100.0%').first().waitFor();
    const cells = await steady.locator('td').allTextContents();
    assert.equal(cells[0], 'sim-steady / sim-ab');
    assert.equal(Number(cells[2]), report.arms[0].requests);
    assert.notEqual(cells[4], '—', 'p50 latency is shown');
    assert.notEqual(cells[7], '—', 'cost per answer is shown');
    assert.match(cells[8]!, /^0\.\d{3}/, 'quality mean with its interval');
    const significance = page.locator('tr[data-metric="success_rate"][data-arm="broken"]');
    await significance.getByText('two-proportion z-test').waitFor();
    await significance.getByText('yes, worse').waitFor();
    await page.locator('tr[data-metric="latency"][data-arm="broken"]').getByText("Welch's t-test").waitFor();
    await shoot(page, 'experiment-winner');
  });

  test('declare a winner, start again (no verdict without data), stop', async () => {
    await page.getByLabel('Winning arm').selectOption('steady');
    await page.getByRole('button', { name: 'Declare winner' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Declare winner' }).click();
    await page.getByText('An operator declared steady the winner.').waitFor();
    await page.locator('.page-header .badge', { hasText: 'stopped' }).waitFor();
    assert.deepEqual(await admin('GET', '/experiments/steady-vs-broken').then((r) => [r.status, r.declaredWinner]), ['stopped', 'steady']);

    await page.getByRole('button', { name: 'Start again' }).click();
    await page.locator('.page-header .badge', { hasText: 'running' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Not enough data yet' }).waitFor();
    await waitForCount(page.locator('.badge', { hasText: 'winner' }), 0);
    await waitForCount(page.getByText('Winner: steady'), 0);
    await page.getByText('Tested once every arm has 10 requests.').waitFor();
    await shoot(page, 'experiment-insufficient-data');

    await page.getByRole('button', { name: 'Stop test' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Stop test' }).click();
    await page.locator('.page-header .badge', { hasText: 'stopped' }).waitFor();
    assert.equal((await admin('GET', '/experiments/steady-vs-broken')).status, 'stopped');
  });

  test('a new A/B test is started from the list page', async () => {
    await page.goto(`${gw.url}/console/#/experiments`);
    await page.getByRole('link', { name: 'Start A/B test' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Id', { exact: true }).fill('canary-models');
    await dialog.getByLabel('Requested models').fill('sim-canary, other');
    await dialog.getByLabel('Decide on').selectOption('latency');
    await dialog.getByLabel('Requests per arm before a verdict').fill('25');
    await dialog.getByLabel('Arm 1 provider').fill('sim-steady');
    await dialog.getByLabel('Arm 1 model').fill('sim-canary');
    await dialog.getByLabel('Arm 2 provider').fill('sim-fast');
    await dialog.getByLabel('Arm 2 model').fill('sim-canary');
    await dialog.getByLabel('Arm 1 name').fill('steady');
    await dialog.getByLabel('Arm 1 share').fill('1');
    await dialog.getByLabel('Arm 2 share').fill('3');
    // Adding and removing an arm re-renders the rows: what was typed in them stays.
    await dialog.getByRole('button', { name: 'Add arm' }).click();
    await dialog.getByLabel('Arm 3 name').waitFor();
    await dialog.getByRole('button', { name: 'Remove last arm' }).click();
    await waitForCount(dialog.locator('.arm-row'), 2);
    await shoot(page, 'experiment-start-dialog');
    await dialog.getByRole('button', { name: 'Start test' }).click();
    await waitForUrl(page, /#\/experiments\/ab\/canary-models$/);
    await page.getByRole('heading', { level: 1, name: 'canary-models' }).waitFor();
    const stored = await admin('GET', '/experiments/canary-models');
    assert.deepEqual(
      [stored.status, stored.metric, stored.minSamples, stored.match, stored.arms.map((a: any) => `${a.name}=${a.provider}/${a.model}@${a.share}`)],
      ['running', 'latency', 25, { models: ['sim-canary', 'other'] }, ['steady=sim-steady/sim-canary@0.25', 'candidate=sim-fast/sim-canary@0.75']],
    );
    await admin('POST', '/experiments/canary-models/stop');
  });

  test('a new canary is started from the list page; a ramp that does not rise is refused with the reason', async () => {
    await page.goto(`${gw.url}/console/#/experiments`);
    await page.getByRole('link', { name: 'Start canary' }).click();
    const dialog = page.getByRole('dialog', { name: 'Start a canary rollout' });
    await dialog.getByLabel('Id', { exact: true }).fill('fast-rollout');
    await dialog.getByLabel('Requested models').fill('sim-canary');
    await dialog.getByLabel('Baseline provider').fill('sim-steady');
    await dialog.getByLabel('Baseline model').fill('sim-canary');
    await dialog.getByLabel('Candidate provider').fill('sim-fast');
    await dialog.getByLabel('Candidate model').fill('sim-canary');
    await dialog.getByLabel('Candidate share per step, %').fill('20, 10, 100');
    await dialog.getByLabel('Shortest step, minutes').fill('30');
    await dialog.getByLabel('Candidate requests per step').fill('100');
    await dialog.getByLabel('Error rate above, %').fill('5');
    await dialog.getByLabel('p95 latency above, ms').fill('2500');
    await dialog.getByRole('button', { name: 'Start canary' }).click();
    await dialog.getByRole('alert').getByText('steps: rising percentages ending at 100').waitFor();
    await dialog.getByLabel('Candidate share per step, %').fill('20, 100');
    await shoot(page, 'canary-start-dialog');
    await dialog.getByRole('button', { name: 'Start canary' }).click();
    await waitForUrl(page, /#\/experiments\/canary\/fast-rollout$/);
    await page.getByRole('heading', { level: 1, name: 'fast-rollout' }).waitFor();
    await page.locator('.ramp li[aria-current="step"]', { hasText: '20%' }).waitFor();
    const { definition, state } = await admin('GET', '/canaries/fast-rollout');
    assert.deepEqual(
      [
        definition.models,
        definition.baseline,
        definition.candidate,
        definition.steps,
        definition.stepDurationMs,
        definition.minSamples,
        definition.criteria,
        state.status,
      ],
      [
        ['sim-canary'],
        { provider: 'sim-steady', model: 'sim-canary' },
        { provider: 'sim-fast', model: 'sim-canary' },
        [20, 100],
        1_800_000,
        100,
        { maxErrorRate: 0.05, maxP95LatencyMs: 2500 },
        'ramping',
      ],
    );
    await admin('POST', '/canaries/fast-rollout/rollback', { reason: 'test done' });
  });

  test("a canary's page: ramp, criteria, pass a step, promote, roll back, with the history", async () => {
    await page.goto(`${gw.url}/console/#/experiments`);
    await page.locator('tr[data-canary="new-model"]').getByRole('link', { name: 'new-model' }).click();
    await waitForUrl(page, /#\/experiments\/canary\/new-model$/);
    await page.getByRole('heading', { level: 1, name: 'new-model' }).waitFor();
    await page.locator('.ramp li[aria-current="step"]', { hasText: '10%' }).waitFor();
    await page.locator('tr[data-criterion="Error rate"]').getByText('at most 5.0%').waitFor();
    await page.getByText('No transitions yet').waitFor();

    await page.getByRole('button', { name: 'Pass step' }).click();
    await page.getByRole('dialog').getByLabel('Reason (kept in the history)').fill('latency looks fine');
    await page.getByRole('dialog').getByRole('button', { name: 'Pass step' }).click();
    await page.locator('.ramp li[aria-current="step"]', { hasText: '50%' }).waitFor();
    await page.locator('[data-share]', { hasText: '50%' }).waitFor();
    await page.getByRole('cell', { name: 'latency looks fine' }).waitFor();
    await shoot(page, 'canary');

    await page.getByRole('button', { name: 'Promote fully' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Promote fully' }).click();
    await page.locator('.page-header .badge', { hasText: 'promoted' }).waitFor();
    await page.getByRole('button', { name: 'Roll back' }).click();
    await page.getByRole('dialog').getByLabel('Reason (kept in the history)').fill('errors after promotion');
    await page.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click();
    await page.locator('.page-header .badge', { hasText: 'rolled_back' }).waitFor();
    await waitForCount(page.locator('section[aria-labelledby="history-title"] tbody tr'), 3);
    await page.locator('[data-share]', { hasText: '0%' }).waitFor();
    const stored = (await admin('GET', '/canaries/new-model')).state;
    assert.deepEqual(
      stored.history.map((h: any) => [h.to, h.share, h.criterion, h.reason]),
      [
        ['ramping', 50, 'operator', 'latency looks fine'],
        ['promoted', 100, 'operator', 'promoted by an operator'],
        ['rolled_back', 0, 'operator', 'errors after promotion'],
      ],
    );
    await shoot(page, 'canary-rolled-back');
  });

  test('at 360 px the experiment pages fit the width', async () => {
    const { page: small, problems: smallProblems } = await openPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true });
    await signIn(small, `${gw.url}/console`, ADMIN);
    for (const [hash, title] of [
      ['experiments', 'Experiments'],
      ['experiments/ab/steady-vs-broken', 'steady-vs-broken'],
      ['experiments/canary/new-model', 'new-model'],
    ]) {
      await small.goto(`${gw.url}/console/#/${hash}`);
      await small.getByRole('heading', { level: 1, name: title }).waitFor();
      await small.waitForLoadState('networkidle').catch(() => {});
      const width = (await small.evaluate('document.documentElement.scrollWidth')) as number;
      assert.ok(width <= 360, `${title} is ${width}px wide at 360px`);
      await shoot(small, `mobile-${hash.replace(/\W+/g, '-')}`);
    }
    assert.deepEqual(smallProblems, []);
    await small.goto(`${gw.url}/console/#/experiments?new`);
    await small.getByRole('dialog').getByLabel('Arm 2 model').waitFor();
    await shoot(small, 'mobile-experiment-start-dialog');
    await small.goto(`${gw.url}/console/#/experiments?new-canary`);
    await small.getByRole('dialog', { name: 'Start a canary rollout' }).getByLabel('Candidate model').waitFor();
    const dialogWidth = (await small.evaluate('document.querySelector("dialog[open]").scrollWidth')) as number;
    assert.ok(dialogWidth <= 360, `the canary form is ${dialogWidth}px wide at 360px`);
    await shoot(small, 'mobile-canary-start-dialog');
    await small.context().close();
  });
});
