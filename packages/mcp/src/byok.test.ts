import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { EventBus } from '@switchyard/core';
import { createKeyManager, MemoryKeyStore } from '@switchyard/auth-key';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mcpProfiles } from './mcp.js';
import { UNAVAILABLE_META_KEY } from './member-listing.js';
import { startStreamableHttpFixture } from './testing.js';

test("a BYOK member gets the caller's own credential; keys without one use the configured header; a refused own credential never trips the member's breaker", async () => {
  const alpha = await startStreamableHttpFixture('alpha');
  const keys = createKeyManager({ store: new MemoryKeyStore(), masterKey: randomBytes(32).toString('hex'), events: new EventBus() });
  const mcp = mcpProfiles({
    profiles: [
      {
        name: 'gh',
        members: [
          { name: 'alpha', transport: 'streamable-http', url: alpha.url, headers: { Authorization: 'Bearer shared-token' }, byok: { credential: 'alpha-mcp' } },
        ],
      },
    ],
    auth: { keys },
    breakerFailures: 2,
  });
  const server = createServer((req, res) => void mcp.handle(req, res, 'gh'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp/gh`);
  const connect = async (secret: string) => {
    const client = new Client({ name: 't', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${secret}` } } }));
    return client;
  };
  try {
    const own = await keys.create({ name: 'own' });
    await keys.putCredential(own.record.id, 'alpha-mcp', 'users-own-token');
    const plain = await keys.create({ name: 'plain' });
    const refused = await keys.create({ name: 'refused' });
    await keys.putCredential(refused.record.id, 'alpha-mcp', 'rejected');

    assert.equal((await (await connect(own.secret)).listTools()).tools.length, 5);
    assert.equal(alpha.state.authorization.at(-1), 'Bearer users-own-token');
    assert.equal((await (await connect(plain.secret)).listTools()).tools.length, 5);
    assert.equal(alpha.state.authorization.at(-1), 'Bearer shared-token');

    const client = await connect(refused.secret);
    for (let i = 0; i < 3; i++) {
      const { tools, _meta } = await client.listTools();
      assert.deepEqual([tools.length, _meta?.[UNAVAILABLE_META_KEY]], [0, ['alpha']]);
    }
    assert.equal(alpha.state.authorization.at(-1), 'Bearer rejected');
    const health = mcp.get('gh')!.members[0]!;
    assert.deepEqual([health.status, health.breaker], ['up', 'closed'], "one caller's bad credential does not take the member out for everyone");
    assert.equal((await (await connect(plain.secret)).listTools()).tools.length, 5);
  } finally {
    await mcp.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await alpha.close();
    await keys.close();
  }
});
