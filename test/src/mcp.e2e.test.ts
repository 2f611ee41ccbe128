import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startSseFixture, startStreamableHttpFixture, type FixtureServer } from '@switchyard/mcp/testing';
import { startGateway, type RunningGateway } from './support/gateway.js';

const ADMIN = 'admin-token-for-mcp-tests-0123456789';
let gw: RunningGateway;
let alpha: FixtureServer;
let beta: FixtureServer;

before(async () => {
  [alpha, beta] = await Promise.all([startStreamableHttpFixture('alpha'), startSseFixture('beta')]);
  process.env.MCP_TEST_ALPHA_TOKEN = 'alpha-upstream-token';
  gw = await startGateway({
    config: {
      admin: { token: ADMIN },
      storage: { sqlite_path: ':memory:' },
      mcp: {
        enabled: true,
        profiles: {
          dev: {
            description: 'Docs and search',
            members: [
              { name: 'alpha', transport: 'streamable-http', url: alpha.url, headers: { Authorization: 'Bearer ${MCP_TEST_ALPHA_TOKEN}' } },
              { name: 'beta', transport: 'sse', url: beta.url },
            ],
          },
          ops: { members: [{ name: 'beta', transport: 'sse', url: beta.url }] },
        },
      },
      ai_gateway: { providers: [{ name: 'sim', type: 'simulated', models: ['sim-1'], latency_ms: 1, tokens_per_second: 0 }] },
    },
  });
});
after(async () => {
  await gw.close();
  await Promise.all([alpha.close(), beta.close()]);
});

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${gw.url}/admin${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

async function newKey(body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const res = await admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'mcp agent', ...body }) });
  assert.equal(res.status, 201);
  return (await res.json()) as { id: string; key: string };
}

async function connect(profile: string, key: string): Promise<Client> {
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/${profile}`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }),
  );
  return client;
}

test('the gateway serves a configured profile at /mcp/<profile> to a key allowed by the admin API, and lists it under /admin/mcp/profiles', async () => {
  const { key } = await newKey({ allowed_mcp_profiles: ['dev'] });
  const client = await connect('dev', key);
  const tools = (await client.listTools()).tools.map((t) => t.name);
  assert.ok(tools.includes('alpha__whoami') && tools.includes('beta__whoami'));
  const result = await client.callTool({ name: 'beta__echo', arguments: { text: 'through the gateway' } });
  assert.equal((result.content as { text: string }[])[0]!.text, 'beta: through the gateway');
  assert.ok(alpha.state.authorization.includes('Bearer alpha-upstream-token'), 'the configured ${ENV} credential reached the member');
  await assert.rejects(connect('ops', key), (err: { code?: number }) => err.code === 403);

  const listed = (await (await admin('/mcp/profiles')).json()) as {
    profiles: { name: string; sessions: number; members: { name: string; status: string; target: string }[] }[];
  };
  const dev = listed.profiles.find((p) => p.name === 'dev')!;
  assert.equal(dev.sessions, 1);
  assert.deepEqual(
    dev.members.map((m) => [m.name, m.status]),
    [
      ['alpha', 'up'],
      ['beta', 'up'],
    ],
  );
  assert.ok(!JSON.stringify(listed).includes('alpha-upstream-token'), 'member credentials are never shown');
  assert.equal((await fetch(`${gw.url}/admin/mcp/profiles`)).status, 401);
  assert.equal((await admin('/mcp/profiles/nope')).status, 404);
  const probed = (await (await admin('/mcp/profiles/ops/probe', { method: 'POST' })).json()) as { members: { status: string }[] };
  assert.equal(probed.members[0]!.status, 'up');

  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  assert.match(metrics, /switchyard_mcp_tool_calls_total\{profile="dev",member="beta",outcome="ok"\} 1/);
  await client.close();
});

test('revoking a key through the admin API ends its MCP session', async () => {
  const { id, key } = await newKey({});
  const client = await connect('ops', key);
  await client.listTools();
  const sessions = async () => ((await (await admin('/mcp/profiles/ops')).json()) as { sessions: number }).sessions;
  assert.equal(await sessions(), 1);
  assert.equal((await admin(`/keys/${id}/revoke`, { method: 'POST' })).status, 200);
  for (let i = 0; i < 200 && (await sessions()) !== 0; i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(await sessions(), 0);
  await assert.rejects(client.listTools());
});
