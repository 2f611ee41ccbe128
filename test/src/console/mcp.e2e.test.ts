/**
 * The console's MCP pages in a real browser against a real gateway with real MCP servers:
 * profiles with their members, transport, health and breaker, a probe that finds a member
 * down, and a key's MCP access edited on its detail page (then enforced by /mcp/<profile>).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startSseFixture, startStreamableHttpFixture, type FixtureServer } from '@switchyard/mcp/testing';
import type { Browser, Page } from 'playwright-core';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { hasChromium, launch, openPage, shoot, signIn } from './browser.js';

const ADMIN = 'console-mcp-token-0123456789abcdef';
const skip = !hasChromium && 'chromium is not installed';
let gw: RunningGateway;
let browser: Browser;
let docs: FixtureServer;
let search: FixtureServer;

/** A loopback port with nothing listening: the member there is down. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

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
  [docs, search] = await Promise.all([startStreamableHttpFixture('docs'), startSseFixture('search')]);
  gw = await startGateway({
    config: {
      admin: { token: ADMIN },
      auth: { required: true, master_key: Buffer.alloc(32, 9).toString('base64') },
      storage: { sqlite_path: ':memory:' },
      mcp: {
        enabled: true,
        profiles: {
          dev: {
            description: 'Docs and search',
            members: [
              { name: 'docs', transport: 'streamable-http', url: docs.url },
              { name: 'search', transport: 'sse', url: search.url },
            ],
          },
          ops: { members: [{ name: 'gone', transport: 'streamable-http', url: `http://127.0.0.1:${await closedPort()}/mcp`, timeout: '2s' }] },
        },
      },
      ai_gateway: { providers: [{ name: 'sim', type: 'simulated', models: ['sim-1'], latency_ms: 1, tokens_per_second: 0 }] },
    },
  });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await gw?.close();
  await Promise.all([docs?.close(), search?.close()]);
});

describe('console MCP', { skip }, () => {
  let page: Page;
  let problems: string[];
  before(async () => {
    if (!hasChromium) return;
    ({ page, problems } = await openPage(browser));
    await signIn(page, `${gw.url}/console`, ADMIN);
  });
  after(() => assert.deepEqual(problems ?? [], [], 'no CSP violation or script error'));

  test('MCP profiles: members with transport, target, health and breaker; probing finds a member down', async () => {
    await admin('POST', '/mcp/profiles/dev/probe');
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'MCP', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'MCP profiles' }).waitFor();
    const dev = page.locator('section[data-profile="dev"]');
    await dev.getByText('Docs and search').waitFor();
    const docsRow = dev.locator('tr[data-member="docs"]');
    await docsRow.getByText('streamable-http').waitFor();
    await docsRow.getByText(docs.url).waitFor();
    await docsRow.locator('.badge', { hasText: 'up' }).waitFor();
    await docsRow.locator('.badge', { hasText: 'closed' }).waitFor();
    await dev.locator('tr[data-member="search"]').getByText('sse', { exact: true }).waitFor();
    await dev.locator('tr[data-member="search"]').locator('.badge', { hasText: 'up' }).waitFor();

    const ops = page.locator('section[data-profile="ops"]');
    const gone = ops.locator('tr[data-member="gone"]');
    await gone.locator('.badge', { hasText: 'unknown' }).waitFor();
    await ops.getByRole('button', { name: 'Probe every member of ops' }).click();
    await gone.locator('.badge', { hasText: 'down' }).waitFor();
    assert.notEqual((await gone.locator('td').last().textContent())?.trim(), '', 'the last error is shown');
    const served = await admin('GET', '/mcp/profiles/ops');
    assert.equal(served.members[0].status, 'down', 'the probe ran on the server, not just in the page');
    await shoot(page, 'mcp-profiles');
  });

  test('key detail: MCP access is edited and then enforced at /mcp/<profile>', async () => {
    const key = await admin('POST', '/keys', { name: 'agent-key' });
    await page.goto(`${gw.url}/console/#/keys/${key.id}`);
    const section = page.locator('section', { has: page.getByRole('heading', { name: 'MCP access' }) });
    await section.waitFor();
    const profiles = section.locator('fieldset', { hasText: 'MCP profiles' });
    await profiles.getByLabel('Only these').check();
    await profiles.getByLabel('MCP profiles, one per line').fill('ops');
    const tools = section.locator('fieldset', { hasText: 'MCP tools' });
    await tools.getByLabel('Only these').check();
    await tools.getByLabel('MCP tools, one per line').fill('dev/docs__*\ndev/search__echo');
    await section.getByRole('button', { name: 'Save MCP access' }).click();
    await section.getByText('MCP access saved.').waitFor();
    await shoot(page, 'key-detail-mcp-access');

    const saved = await admin('GET', `/keys/${key.id}`);
    assert.deepEqual(saved.allowed_mcp_profiles, ['ops']);
    assert.deepEqual(saved.allowed_mcp_tools, ['dev/docs__*', 'dev/search__echo']);
    const connect = async () => {
      const client = new Client({ name: 'console-e2e', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/dev`), { requestInit: { headers: { authorization: `Bearer ${key.key}` } } }),
      );
      return client;
    };
    await assert.rejects(connect(), (err: { code?: number }) => err.code === 403, "dev is not in the key's profiles");

    await page.reload();
    await section.waitFor();
    assert.equal(await profiles.getByLabel('MCP profiles, one per line').inputValue(), 'ops', 'the page shows what is stored');
    await profiles.getByLabel('Only these').check();
    await profiles.getByLabel('MCP profiles, one per line').fill('dev');
    await section.getByRole('button', { name: 'Save MCP access' }).click();
    await section.getByText('MCP access saved.').waitFor();
    const client = await connect();
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    assert.ok(names.length > 0 && names.every((n) => n.startsWith('docs__') || n === 'search__echo'), `only the allowed tools are listed: ${names.join(', ')}`);
    assert.ok(names.includes('search__echo'));
    await client.close();

    await tools.getByLabel('Any').check();
    await section.getByRole('button', { name: 'Save MCP access' }).click();
    await section.getByText('MCP access saved.').waitFor();
    assert.equal((await admin('GET', `/keys/${key.id}`)).allowed_mcp_tools, null, '"Any" stores null (all tools)');
  });
});
