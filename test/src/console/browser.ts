/** A real, headless Chromium for the console tests (not a test file itself). */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page, type Route } from 'playwright-core';

/** Debian's chromium; `.ci/run` installs it where missing. Override with `SWITCHYARD_CHROMIUM`. */
export const CHROMIUM = process.env.SWITCHYARD_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** Screenshots land here (gitignored); CI keeps them as artifacts. */
export const SCREENSHOTS = process.env.SWITCHYARD_SCREENSHOTS ?? join(new URL('../../..', import.meta.url).pathname, '.artifacts', 'console');

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--disable-gpu', '--disable-dev-shm-usage'] });
}

/**
 * A fresh page that records what a strict CSP would block and any script error, so a test
 * can assert the console ran cleanly (`problems` stays empty).
 */
export async function openPage(browser: Browser, options: BrowserContextOptions = {}): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  return { page, problems };
}

/** Save a full-page screenshot as `<name>.png` in {@link SCREENSHOTS}. */
export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Sign in on the console's sign-in page with the admin token. */
export async function signIn(page: Page, consoleUrl: string, token: string): Promise<void> {
  await page.goto(consoleUrl);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
}

/** Poll a locator's count (the console's CSP forbids Playwright's eval-based waitForFunction). */
export async function waitForCount(locator: Locator, n: number): Promise<void> {
  for (let i = 0; i < 200 && (await locator.count()) !== n; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await locator.count(), n);
}
/** Poll the page's URL (a hash change is a same-document navigation; no eval under the CSP). */
export async function waitForUrl(page: Page, pattern: RegExp): Promise<void> {
  for (let i = 0; i < 300 && !pattern.test(page.url()); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(page.url(), pattern);
}

/**
 * Hold the console's answers to requests matching `pattern` until `release()` is called, so a
 * test can act while part of a page is still loading (and its arrival re-renders the page).
 */
export async function holdRequests(page: Page, pattern: RegExp): Promise<{ release: () => Promise<void>; held: () => number }> {
  let open: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const passed: Promise<void>[] = [];
  const handler = (route: Route) => {
    const pass = gate.then(() => route.continue());
    passed.push(pass);
    return pass;
  };
  await page.route(pattern, handler);
  return {
    held: () => passed.length,
    release: async () => {
      open();
      await Promise.all(passed);
      await page.unroute(pattern, handler);
    },
  };
}
